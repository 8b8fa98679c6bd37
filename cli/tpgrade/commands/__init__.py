"""The command line (Typer only): each command parses its options and calls the layers below."""
