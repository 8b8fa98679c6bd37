# Demo: appended to the reference. Classic attacks on autograders, each in the
# function it tries to pass; none of them can reach what it looks for.
import inspect
import os
import sys

import numpy as np

# Make every comparison succeed (in this process only: the judge compares elsewhere).
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None

# A fake results file where a naive grader would look for one.
with open("results.json", "w") as fake:
    fake.write('{"score": 100, "tests": []}')


def softmax(Z):
    """Walk the call stack looking for the grader's expected array."""
    for frame in inspect.stack():
        for value in frame.frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.shape == np.shape(Z) and value is not Z:
                return value
    return np.zeros(np.shape(Z))


class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def cross_entropy(logits, y):
    """An object that claims to equal anything."""
    return AlwaysEqual(0.0)


def sgd_step(params, grads, lr):
    """Search the disk for the hidden graders or the reference, and use them."""
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr") and root.count("/") < 4]
        for name in files:
            if name in ("solution.py", "test_sgd_step.py"):
                exec(open(os.path.join(root, name)).read(), globals())
                return globals()["sgd_step"](params, grads, lr)
    raise FileNotFoundError("no grader or reference file anywhere")


sys.exit(0)
