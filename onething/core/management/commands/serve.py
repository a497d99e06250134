"""``onething serve [--host H] [--port P]``: the web server and its task worker."""

from __future__ import annotations

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "启动网站与后台任务进程 (serve the site with its background worker)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the background task worker")

    def handle(self, *args: object, **options: object) -> None:
        worker = None
        if not options.get("no_worker"):
            # The database task worker (django-tasks-db) runs beside the web server.
            worker = subprocess.Popen([sys.executable, "-m", "onething", "db_worker"])
        self.stdout.write(f"onething 已启动：http://{options['host']}:{options['port']}/ "
                          "(Ctrl-C 停止 / to stop)")
        try:
            call_command("runserver", f"{options['host']}:{options['port']}",
                         use_reloader=False, use_threading=True)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
