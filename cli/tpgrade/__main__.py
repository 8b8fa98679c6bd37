"""``python -m tpgrade``."""

from tpgrade.commands.app import main

main()
