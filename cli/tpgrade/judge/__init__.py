"""The judge (trusted): reads a submission, applies the source rules, and grades it through the remote student."""
