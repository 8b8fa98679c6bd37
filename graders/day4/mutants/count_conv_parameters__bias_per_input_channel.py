# Classic bug: one bias per input channel instead of one per output channel.
def count_conv_parameters(k, c_in, c_out, bias=True):
    return k * k * c_in * c_out + (c_in if bias else 0)
