"""``onething staff add|list|disable|enable|reset-password``: staff accounts for operators.

The same services as the workbench's staff pages (onething/accounts/staff.py), with the
operator's full rights: ``add`` may create an administrator. Every change is in the
audit trail, the actor recorded as ``命令行:<OS user>``.

``add USERNAME --role ROLE --name NAME [--department CODE] [--email E]`` and
``reset-password USERNAME`` print a one-time temporary password, to be changed at the
first sign-in; ``disable USERNAME [--reason TEXT]`` ends the account's sessions and API
tokens and its window shift; ``list [--role R] [--all]`` prints the active staff (with
``--all`` the disabled ones too).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onething.accounts import selectors
from onething.accounts import staff as services
from onething.accounts.models import STAFF_ROLE_VALUES


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "工作人员账号 (staff accounts): add | list | disable | enable | reset-password"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a staff member; prints a temporary password once")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=list(STAFF_ROLE_VALUES))
        add.add_argument("--name", required=True, help="the person's name (姓名)")
        add.add_argument("--department", default="",
                         help="department code, e.g. dc-samr (required for a reviewer)")
        add.add_argument("--email", default="")
        listing = sub.add_parser("list", help="list staff accounts")
        listing.add_argument("--role", default="", choices=["", *STAFF_ROLE_VALUES])
        listing.add_argument("--all", action="store_true", help="disabled accounts too")
        disable = sub.add_parser("disable", help="disable an account (sessions, tokens, "
                                                 "shift end)")
        disable.add_argument("username")
        disable.add_argument("--reason", default="")
        enable = sub.add_parser("enable", help="enable a disabled account again")
        enable.add_argument("username")
        reset = sub.add_parser("reset-password",
                               help="a new temporary password, printed once")
        reset.add_argument("username")

    def handle(self, *args: object, **options: object) -> None:
        action = str(options["action"])
        try:
            if action == "add":
                self._add(options)
            elif action == "list":
                self._list(str(options.get("role") or ""), bool(options.get("all")))
            else:
                member = selectors.staff_by_username(str(options["username"]))
                if member is None:
                    raise CommandError(f"没有工作人员 {options['username']} "
                                       f"(no staff account '{options['username']}')")
                if action == "disable":
                    done = services.disable_staff(member, actor=None,
                                                  reason=str(options.get("reason") or ""))
                    self.stdout.write(f"已停用 {member.username} (disabled)" if done else
                                      f"{member.username} 已是停用状态 (already disabled)")
                elif action == "enable":
                    done = services.enable_staff(member, actor=None)
                    self.stdout.write(f"已启用 {member.username} (enabled)" if done else
                                      f"{member.username} 已是启用状态 (already enabled)")
                else:
                    password = services.reset_staff_password(member, actor=None)
                    self._password(member.username, password)
        except (services.StaffError, services.StaffDenied) as exc:
            raise CommandError(str(exc)) from exc

    def _add(self, options: dict) -> None:
        code = str(options.get("department") or "")
        department = selectors.departments().filter(code=code).first() if code else None
        if code and department is None:
            raise CommandError(f"没有部门 {code} (no department '{code}')")
        member, password = services.add_staff(
            actor=None, username=str(options["username"]), real_name=str(options["name"]),
            role=str(options["role"]), department=department,
            email=str(options.get("email") or ""))
        self._password(member.username, password)

    def _password(self, username: str, password: str) -> None:
        self.stderr.write(f"{username} 的临时密码（只显示这一次，首次登录须修改） "
                          "(temporary password, shown once; to be changed at first sign-in):")
        self.stdout.write(password)

    def _list(self, role: str, everyone: bool) -> None:
        filters = selectors.StaffFilter(role=role, status="" if everyone else "active")
        self.stdout.write("\t".join(["username", "name", "role", "department", "status",
                                     "last_login"]))
        for member in selectors.staff_list(None, filters):
            status = "active" if member.is_active else "disabled"
            if member.is_active and member.must_change_password:
                status = "active,temporary-password"
            self.stdout.write("\t".join([
                member.username, member.real_name or "-", member.role,
                member.department.code if member.department else "-", status,
                _when(member.last_login)]))
