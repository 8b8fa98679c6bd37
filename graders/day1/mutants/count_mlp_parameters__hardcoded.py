# Classic bug: the answer of the notebook's example, hard-coded.
def count_mlp_parameters(layer_sizes):
    return 203530
