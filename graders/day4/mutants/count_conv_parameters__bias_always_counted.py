# Classic bug: the bias argument is ignored.
def count_conv_parameters(k, c_in, c_out, bias=True):
    return k * k * c_in * c_out + c_out
