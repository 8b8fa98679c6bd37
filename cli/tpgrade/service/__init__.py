"""The grading service: accounts, hand-in over HTTP, receipts and the web pages."""
