"""The runner: the untrusted side, executed inside the sandbox.

It imports only the standard library, NumPy and :mod:`tpgrade.wire`
(torch only when student code or a tensor input needs it), and holds nothing
of the judge: no grader, no reference, no expected value.
"""
