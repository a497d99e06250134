"""``onething token issue USERNAME [--label L]``: print a new API token.

The raw token is shown once; only its hash is stored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.accounts.selectors import active_user
from onething.accounts.services import issue_api_token


class Command(BaseCommand):
    help = "管理接口令牌 (manage REST API tokens)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a token for a user and print it once")
        issue.add_argument("username")
        issue.add_argument("--label", default="", help="what the token is for")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        user = active_user(username)
        if user is None:
            raise CommandError(f"没有用户 {username} (no active user '{username}')")
        self.stdout.write(issue_api_token(user, label=str(options.get("label") or "")[:100]))
