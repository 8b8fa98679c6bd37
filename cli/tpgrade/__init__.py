"""tpgrade: the autograder of the workshop's practical sessions (TPs)."""

__version__ = "0.1.0"
