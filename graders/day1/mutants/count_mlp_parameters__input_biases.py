# Classic bug: one bias per unit of every layer, the input layer included.
def count_mlp_parameters(layer_sizes):
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])) + sum(layer_sizes)
