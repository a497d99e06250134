"""Run in processes of their own: ``python -m tests.audit.append_support COUNT LABEL
BARRIER N`` appends COUNT audit entries through ``record_audit`` (each in its own
transaction, as requests do); uses DATABASE_URL like any onething command. Each process
first leaves a file in the folder BARRIER and waits until N processes have, so that all
of them append at the same time rather than one after another as they start."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()
    from onething.audit.services import record_audit

    count, label, barrier, processes = int(argv[0]), argv[1], Path(argv[2]), int(argv[3])
    (barrier / label).touch()
    deadline = time.monotonic() + 120
    while len(list(barrier.iterdir())) < processes and time.monotonic() < deadline:
        time.sleep(0.01)
    for i in range(count):
        record_audit("auth.login_failed", actor=None, actor_label=label,
                     details={"n": i, "process": label})


if __name__ == "__main__":
    main(sys.argv[1:])
