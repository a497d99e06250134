"""Reads for accounts: finding applicants and staff, listing API tokens (never their values:
only hashes are stored)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from onething.accounts.models import STAFF_ROLE_VALUES, ApiToken, Role, User
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


# -- staff (工作人员管理) ----------------------------------------------------------------


@dataclass(frozen=True)
class StaffFilter:
    role: str = ""  # one of STAFF_ROLE_VALUES, or "" for all
    status: str = ""  # "active", "disabled" or "" for both
    query: str = ""  # part of the username or the name


def staff_list(viewer: User | None, filters: StaffFilter = StaffFilter()) -> QuerySet[User]:
    """Staff accounts for a manager or administrator (nobody else sees the list): every
    staff role, applicants never. Administrators are listed to managers too (they cannot
    change them: onething.accounts.staff)."""
    from onething.accounts.staff import may_manage_staff

    if not may_manage_staff(viewer):
        return User.objects.none()
    found = User.objects.filter(role__in=STAFF_ROLE_VALUES).select_related("department")
    if filters.role in STAFF_ROLE_VALUES:
        found = found.filter(role=filters.role)
    if filters.status == "active":
        found = found.filter(is_active=True)
    elif filters.status == "disabled":
        found = found.filter(is_active=False)
    query = (filters.query or "").strip()[:50]
    if query:
        found = found.filter(Q(username__icontains=query) | Q(real_name__icontains=query))
    return found.order_by("-is_active", "username")


def staff_member(viewer: User | None, user_id: int) -> User | None:
    """One staff account for a manager or administrator; None otherwise (a 404)."""
    return staff_list(viewer).filter(pk=user_id).first()


def departments() -> QuerySet:
    """The departments staff, windows and categories can belong to, by code."""
    from onething.catalog.models import Department

    return Department.objects.order_by("code")


def staff_by_username(username: str) -> User | None:
    """A staff account by its exact username (the operator's command line)."""
    return (User.objects.filter(role__in=STAFF_ROLE_VALUES, username=(username or "").strip())
            .select_related("department").first())
