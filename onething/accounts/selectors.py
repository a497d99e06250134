"""Reads for accounts: finding applicants and staff, listing API tokens (never their values:
only hashes are stored)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from onething.accounts.models import ApiToken, Role, User
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


def api_tokens(username: str = "") -> QuerySet[ApiToken]:
    """Every API token (of ``username`` only, when given), oldest first."""
    tokens = ApiToken.objects.select_related("user").order_by("id")
    return tokens.filter(user__username=username) if username else tokens


def api_token(token_id: int) -> ApiToken | None:
    return ApiToken.objects.filter(pk=token_id).first()
