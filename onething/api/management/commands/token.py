"""``onething token issue|list|revoke``: REST API tokens.

``issue USERNAME [--label L] [--scope read --scope submit] [--days 90]`` prints a new
token once (only its hash is stored); ``list [USERNAME]`` shows every token without
its value; ``revoke ID`` stops a token at once.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onething.accounts.choices import TokenScope
from onething.accounts.selectors import active_user, api_token, api_tokens
from onething.accounts.services import AccountError, issue_api_token, revoke_api_token


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "管理接口令牌 (manage REST API tokens)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a token for a user and print it once")
        issue.add_argument("username")
        issue.add_argument("--label", default="", help="what the token is for")
        issue.add_argument("--scope", action="append", dest="scopes", default=None,
                           choices=[s.value for s in TokenScope],
                           help="repeat for several; default by role (applicant: read "
                                "submit; staff: read staff)")
        issue.add_argument("--days", type=int, default=None,
                           help="days until the token expires (default ONETHING_API_TOKEN_DAYS)")
        listing = sub.add_parser("list", help="list tokens (never their values)")
        listing.add_argument("username", nargs="?", default="")
        revoke = sub.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action == "issue":
            self._issue(options)
        elif action == "list":
            self._list(str(options.get("username") or ""))
        else:
            self._revoke(int(options["token_id"]))  # type: ignore[arg-type]

    def _issue(self, options: dict) -> None:
        username = str(options["username"])
        user = active_user(username)
        if user is None:
            raise CommandError(f"没有用户 {username} (no active user '{username}')")
        days = options.get("days")
        if days is not None and days <= 0:
            raise CommandError("--days 必须大于零 (must be positive)")
        try:
            raw = issue_api_token(user, label=str(options.get("label") or "")[:100],
                                  scopes=options.get("scopes"),
                                  expires_in=dt.timedelta(days=days) if days else None)
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)

    def _list(self, username: str) -> None:
        tokens = api_tokens(username)
        self.stdout.write("\t".join(["id", "user", "label", "scopes", "created", "expires",
                                     "last_used", "revoked"]))
        for token in tokens:
            self.stdout.write("\t".join([
                str(token.pk), token.user.username, token.label or "-",
                ",".join(token.scopes.split()), _when(token.created_at),
                _when(token.expires_at), _when(token.last_used_at), _when(token.revoked_at),
            ]))

    def _revoke(self, token_id: int) -> None:
        token = api_token(token_id)
        if token is None:
            raise CommandError(f"没有编号为 {token_id} 的令牌 (no token {token_id})")
        if revoke_api_token(token):
            self.stdout.write(f"已吊销令牌 {token_id} (token {token_id} revoked)")
        else:
            self.stdout.write(f"令牌 {token_id} 早已吊销 (token {token_id} was already revoked)")
