"""Deployment checks (``onething check --deploy``): development defaults left in production.

They run only with ``--deploy`` and only in production mode (``ONETHING_PRODUCTION=1``);
a development install keeps its log-only SMS, sandbox payments and demo accounts
without a word. Warnings name a plug-in that cannot serve real people; errors name a
hole somebody could walk through (a published password, a readable data directory, a
demonstration ID card).

| id | level | what |
|---|---|---|
| onething.W001 | warning | the SMS backend is the log-only (or in-memory test) sender |
| onething.W002 | warning | the payment backend is the sandbox |
| onething.W003 | warning | demo accounts exist |
| onething.W004 | warning | the accounts could not be checked (database unreachable) |
| onething.W005 | warning | ONETHING_PUBLIC_URL is unset or local: SMS links point at localhost |
| onething.E001 | error | a demo or privileged staff account has the published demo password |
| onething.E002 | error | the data directory is readable, writable or searchable by others |
| onething.E003 | error | the kiosk reads the demonstration ID card |
| onething.E004 | error | a configured plug-in cannot be imported |
"""

from __future__ import annotations

import stat
from collections.abc import Iterable

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.module_loading import import_string

# How many account names a message lists before "…".
SHOWN_NAMES = 10


def _production(app_configs: Iterable[object] | None) -> bool:
    # Checks for a single app (``check accounts``) skip these project-wide ones.
    return bool(settings.PRODUCTION) and app_configs is None


def _plugin(setting: str, path: str) -> tuple[type | None, list[CheckMessage]]:
    try:
        plugin = import_string(path)
        return (plugin if isinstance(plugin, type) else None), []
    except ImportError as error:
        return None, [Error(
            f"{setting} 指向的插件无法导入 (the plug-in {setting} names cannot be imported): "
            f"{path}: {error}",
            hint=f"检查 {setting} 的点分路径和安装的软件包 (check the dotted path and the "
                 "installed packages)",
            id="onething.E004")]


def _names(names: Iterable[str]) -> str:
    names = sorted(names)
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (", …" if len(names) > SHOWN_NAMES else "")


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs=None, **kwargs) -> list[CheckMessage]:
    if not _production(app_configs):
        return []
    from onething.notifications.backends import LogSmsBackend, MemorySmsBackend

    backend, errors = _plugin("ONETHING_SMS_BACKEND", settings.ONETHING_SMS_BACKEND)
    if backend is not None and issubclass(backend, LogSmsBackend | MemorySmsBackend):
        return [Warning(
            "生产模式仍使用开发用短信插件，短信只写入日志、不会发出，"
            "群众收不到登录验证码和办件通知 "
            "(production uses a development SMS backend: messages go to the log, "
            f"nobody receives sign-in codes or notices): {settings.ONETHING_SMS_BACKEND}",
            hint="将 ONETHING_SMS_BACKEND 设为对接短信网关的 SmsBackend 子类 "
                 "(set ONETHING_SMS_BACKEND to an SmsBackend subclass for your SMS gateway; "
                 "see onething/notifications/backends.py)",
            id="onething.W001")]
    return errors


@register(Tags.security, deploy=True)
def check_payment_backend(app_configs=None, **kwargs) -> list[CheckMessage]:
    if not _production(app_configs):
        return []
    from onething.payments.backends import SandboxPaymentBackend

    backend, errors = _plugin("ONETHING_PAYMENT_BACKEND", settings.ONETHING_PAYMENT_BACKEND)
    if backend is not None and issubclass(backend, SandboxPaymentBackend):
        return [Warning(
            "生产模式仍使用沙箱支付，缴费记为成功但不会真实收款 "
            "(production uses the sandbox payment backend: payments are recorded as paid, "
            f"no money moves): {settings.ONETHING_PAYMENT_BACKEND}",
            hint="将 ONETHING_PAYMENT_BACKEND 设为对接支付渠道的 PaymentBackend 子类 "
                 "(set ONETHING_PAYMENT_BACKEND to a PaymentBackend subclass for your payment "
                 "provider; see onething/payments/backends.py)",
            id="onething.W002")]
    return errors


# Hosts that only this machine reaches: a link with one of them is of no use in an SMS.
LOCAL_HOSTS = ("localhost", "127.", "0.0.0.0", "[::1]")


@register(Tags.security, deploy=True)
def check_public_url(app_configs=None, **kwargs) -> list[CheckMessage]:
    if not _production(app_configs):
        return []
    url = getattr(settings, "ONETHING_PUBLIC_URL", "") or ""
    host = url.split("://", 1)[-1].split("/", 1)[0].split("@")[-1]
    if url and not host.startswith(LOCAL_HOSTS):
        return []
    return [Warning(
        "未设置门户的公网地址，短信中的链接指向 localhost，群众打不开 "
        "(ONETHING_PUBLIC_URL is unset or local: links in SMS point at localhost and "
        f"nobody can open them): {url or '(unset)'}",
        hint="将 ONETHING_PUBLIC_URL 设为门户的公网地址，例如 https://zwfw.example.gov.cn "
             "(set ONETHING_PUBLIC_URL to the portal's public address)",
        id="onething.W005")]


@register(Tags.security, deploy=True)
def check_id_card_reader(app_configs=None, **kwargs) -> list[CheckMessage]:
    if not _production(app_configs):
        return []
    from onething.kiosk.readers import SandboxReader

    reader, errors = _plugin("ONETHING_ID_CARD_READER", settings.ONETHING_ID_CARD_READER)
    if reader is not None and issubclass(reader, SandboxReader):
        return [Error(
            "生产模式的自助终端使用演示身份证阅读器，任何人都能以演示身份证登录 "
            "(the kiosk reads the demonstration ID card in production: anyone signs in "
            f"with it): {settings.ONETHING_ID_CARD_READER}",
            hint="将 ONETHING_ID_CARD_READER 设为真实阅读器的插件，或删除该变量改为手工输入 "
                 "(set ONETHING_ID_CARD_READER to your reader's plug-in, or unset it for "
                 "keypad entry)",
            id="onething.E003")]
    return errors


@register(Tags.security, deploy=True)
def check_demo_accounts(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Demo accounts present (W003); demo or privileged staff with the demo password (E001).

    Only the demo usernames and administrators and managers are tried against the
    password (one Argon2 hash each, about 0.1 s), so the check stays quick however
    many staff accounts a centre has.
    """
    if not _production(app_configs):
        return []
    from django.db.models import Q

    from onething.accounts.demo import DEMO_PASSWORD, demo_usernames
    from onething.accounts.models import Role, User

    connection = connections[DEFAULT_DB_ALIAS]
    try:
        if User._meta.db_table not in connection.introspection.table_names():
            return []  # not migrated yet: no accounts at all
        demo = demo_usernames()
        present = set(User.objects.filter(username__in=demo).values_list("username", flat=True))
        candidates = (User.objects.filter(
            Q(username__in=demo) | Q(is_superuser=True) | Q(is_staff=True)
            | Q(role__in=[Role.ADMIN, Role.MANAGER]))
            .exclude(role=Role.APPLICANT).filter(is_active=True))
        weak = {user.username for user in candidates
                if user.has_usable_password() and user.check_password(DEMO_PASSWORD)}
    except DatabaseError as error:
        return [Warning(
            "无法连接数据库，未能检查演示账号和默认密码 (the database is unreachable: demo "
            f"accounts and default passwords were not checked): {error}",
            hint="检查 DATABASE_URL，数据库可用后重新运行 onething check --deploy "
                 "(check DATABASE_URL and run the check again once the database answers)",
            id="onething.W004")]
    messages: list[CheckMessage] = []
    if weak:
        messages.append(Error(
            f"{len(weak)} 个工作人员账号仍使用公开的演示密码 "
            f"({len(weak)} staff account(s) still have the published demo password): "
            f"{_names(weak)}",
            hint="停用演示账号（onething staff disable <账号>），或用 onething staff "
                 "reset-password <账号> 换成临时密码 (disable the demo accounts with "
                 "`onething staff disable <username>`, or give each a temporary password "
                 "with `onething staff reset-password <username>`)",
            id="onething.E001"))
    if present:
        messages.append(Warning(
            f"生产环境中仍有 {len(present)} 个演示账号 "
            f"({len(present)} demo account(s) exist in production): {_names(present)}",
            hint="用 onething staff disable <账号> 停用演示账号，或在管理后台（/admin/）删除 "
                 "(disable the demo accounts with `onething staff disable <username>`, or "
                 "delete them in the admin, /admin/)",
            id="onething.W003"))
    return messages


@register(Tags.security, deploy=True)
def check_data_dir(app_configs=None, **kwargs) -> list[CheckMessage]:
    if not _production(app_configs):
        return []
    try:
        mode = settings.DATA_DIR.stat().st_mode
    except OSError:
        return []  # nothing there yet to protect; `onething setup` creates it owner-only
    if stat.S_IMODE(mode) & 0o007:
        return [Error(
            f"数据目录对其他用户开放（权限 {stat.S_IMODE(mode):04o}），其中的数据库、上传材料和"
            "密钥含个人信息 (the data directory is open to other users, mode "
            f"{stat.S_IMODE(mode):04o}; it holds personal data and keys): {settings.DATA_DIR}",
            hint=f"chmod 0700 {settings.DATA_DIR}，属主为运行 onething 的服务用户 "
                 f"(chmod 0700 {settings.DATA_DIR}, owned by the service user that runs "
                 "onething, e.g. chown -R onething:onething)",
            id="onething.E002")]
    return []
