"""Reads from the registers: the facts automatic decisions look at."""

from __future__ import annotations

from collections.abc import Sequence

from onething.domain.instant import ContributionFact, CriminalRecordFact
from onething.registers.models import Contribution, ContributionDue, CriminalRecord, RegisterLoad


class RegisterFacts:
    """``onething.domain.instant.Facts`` answered from the database."""

    def register_loaded(self, register: str) -> bool:
        return RegisterLoad.objects.filter(register=register).exists()

    def criminal_records(self, id_number: str) -> Sequence[CriminalRecordFact]:
        return [CriminalRecordFact(r.judgment_date, r.offence, r.court)
                for r in CriminalRecord.objects.filter(id_number=id_number)]

    def contributions(self, id_number: str) -> Sequence[ContributionFact]:
        return [ContributionFact(c.insurance, c.month, c.amount_fen, c.employer)
                for c in Contribution.objects.filter(id_number=id_number)]


def latest_loads() -> dict[str, RegisterLoad]:
    latest: dict[str, RegisterLoad] = {}
    for load in RegisterLoad.objects.select_related("loaded_by").order_by("-loaded_at", "-id"):
        latest.setdefault(load.register, load)
    return latest


def dues_for(id_number: str) -> list[ContributionDue]:
    return list(ContributionDue.objects.filter(id_number=id_number).order_by("year", "item"))


def due_for(id_number: str, due_id: object) -> ContributionDue | None:
    """One due of the person with ``id_number`` (None for another person's or none)."""
    try:
        pk = int(str(due_id))
    except ValueError:
        return None
    return ContributionDue.objects.filter(pk=pk, id_number=id_number).first()
