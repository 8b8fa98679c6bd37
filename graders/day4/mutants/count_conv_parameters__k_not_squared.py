# Classic bug: k weights per kernel instead of k*k.
def count_conv_parameters(k, c_in, c_out, bias=True):
    return k * c_in * c_out + (c_out if bias else 0)
