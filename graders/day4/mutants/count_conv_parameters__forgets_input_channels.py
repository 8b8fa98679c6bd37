# Classic bug: one k×k kernel per output channel, as if every input had a single channel.
def count_conv_parameters(k, c_in, c_out, bias=True):
    return k * k * c_out + (c_out if bias else 0)
