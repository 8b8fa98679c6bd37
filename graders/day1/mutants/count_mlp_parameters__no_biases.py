# Classic bug: only the weight matrices are counted, the biases are forgotten.
def count_mlp_parameters(layer_sizes):
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
