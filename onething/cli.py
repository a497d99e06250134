"""The ``onething`` console command: Django's management commands, pre-configured.

``onething setup``, ``onething serve``, ``onething catalog check``,
``onething plan restaurant --json`` … and every stock command
(``onething migrate``, ``onething createsuperuser``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["onething", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
