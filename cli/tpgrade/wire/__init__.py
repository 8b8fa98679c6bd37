"""The runner protocol: placeholder, replaced by its full definition below."""
