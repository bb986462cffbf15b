"""The ``cleaner`` executable: ``cleaner check`` straight to the hook, everything else to the click CLI.

A pre-commit hook runs on every commit, so ``cleaner check`` must start in a
few tens of milliseconds; importing click alone takes about 30 ms. The check
command therefore parses its own arguments (argparse, in cleaner.hook) and
never imports click, and a file fastcheck can prove clean does not even load
the rule engine; ``cleaner --help`` and the other commands go through
cleaner.cli as before, where ``check`` is listed too.
"""
from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``cleaner`` console script."""
    if sys.argv[1:2] == ["check"]:
        from .commands.fastcheck import proven_clean

        if proven_clean(sys.argv[2:]):
            sys.exit(0)
        from .commands.check import main as check

        sys.exit(check(sys.argv[2:]))
    from .commands.cli import main as cli

    cli()
