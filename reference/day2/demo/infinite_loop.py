# Demo: appended to the reference. A cell that never ends, and a function that
# never returns: both are stopped from outside, and only mlp_backward loses points.
import time

while True:
    time.sleep(0.1)


def mlp_backward(y, params, cache):
    while True:
        pass
