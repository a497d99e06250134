"""Reads for accounts: finding applicants and staff."""

from __future__ import annotations

from django.db.models import Q

from onething.accounts.models import Role, User
from onething.domain.validators import normalize_id_number, normalize_mobile


def find_applicants(query: str) -> list[User]:
    """Applicants whose mobile or resident ID number is exactly ``query``.

    Exact matches only: a partial search would let anyone at a window browse
    the register of people.
    """
    query = (query or "").strip()
    if not query:
        return []
    mobile = normalize_mobile(query)
    id_number = normalize_id_number(query)
    condition = Q()
    if len(mobile) == 11 and mobile.isdigit():
        condition |= Q(mobile=mobile)
    if len(id_number) == 18:
        condition |= Q(id_number=id_number) | Q(representative_id_number=id_number)
    if not condition:
        return []
    return list(User.objects.filter(condition, role=Role.APPLICANT, is_active=True)
                .order_by("id")[:20])


def applicant_by_id(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, role=Role.APPLICANT, is_active=True).first()


def active_user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()
