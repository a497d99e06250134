"""Loading registers: whole file or nothing, every bad row reported by line."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from onething.accounts.models import Role, User
from onething.audit.services import record_audit
from onething.domain.registers import REGISTERS, BadValue, RowProblem, decode, parse_register
from onething.registers.models import (
    Contribution,
    ContributionDue,
    CriminalRecord,
    EnterpriseRecord,
    RegisterLoad,
    ResidentRecord,
)

MODELS = {
    "criminal-records": CriminalRecord,
    "contributions": Contribution,
    "contribution-dues": ContributionDue,
    "residents": ResidentRecord,
    "enterprises": EnterpriseRecord,
}
BATCH = 5000


class RegisterDenied(PermissionError):
    def __init__(self, register: str) -> None:
        super().__init__(f"您没有导入“{REGISTERS[register].name}”的权限 "
                         f"(not allowed to load {register})")


@dataclass
class LoadResult:
    register: str
    load: RegisterLoad | None = None
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.load is not None


def owner_department(register: str) -> str:
    """The department code whose reviewers load ``register`` (settings)."""
    return settings.ONETHING_REGISTER_OWNERS.get(register, "")


def may_load(user: User | None, register: str) -> bool:
    if user is None or not user.is_authenticated or register not in REGISTERS:
        return False
    if user.role == Role.ADMIN:
        return True
    return (user.role == Role.REVIEWER and user.department is not None
            and user.department.code == owner_department(register))


def load_register(register: str, data: bytes, *, actor: User | None, filename: str = ""
                  ) -> LoadResult:
    """Replace ``register`` with the rows of a CSV file, or change nothing.

    ``actor`` None is the command line (the operator). Returns the problems,
    each with its line, when any row is bad.
    """
    if register not in REGISTERS:
        raise KeyError(register)
    if actor is not None and not may_load(actor, register):
        raise RegisterDenied(register)
    result = LoadResult(register)
    try:
        text = decode(data)
    except BadValue as exc:
        result.problems = [RowProblem(1, str(exc))]
        return result
    parsed = parse_register(REGISTERS[register], text)
    if not parsed.ok:
        result.problems = list(parsed.problems)
        return result
    model = MODELS[register]
    with transaction.atomic():
        load = RegisterLoad.objects.create(
            register=register, loaded_by=actor, filename=filename[:255],
            sha256=hashlib.sha256(data).hexdigest(), rows=len(parsed.rows))
        model.objects.all().delete()
        rows = [model(load=load, **row) for row in parsed.rows]
        for start in range(0, len(rows), BATCH):
            model.objects.bulk_create(rows[start:start + BATCH])
        record_audit("register.imported", actor=actor, subject=load,
                     actor_label="" if actor is not None else "command line",
                     details={"register": register, "rows": load.rows, "sha256": load.sha256,
                              "filename": load.filename})
    result.load = load
    return result
