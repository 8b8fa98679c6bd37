"""``python -m tpgrade``."""

from tpgrade.app import main

main()
