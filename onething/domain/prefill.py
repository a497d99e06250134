"""Prefill (免填写): the form values the platform can propose from what it already knows.

The verified profile gives the applicant's own fields (locked on the form: the service
takes them from the profile whatever is sent). Beyond those, an applicant often *plays a
role* the form asks about — the mother of the newborn, the legal representative
(负责人) of the business they open — and certificates they hold certify more fields (a
business licence: the company name, its USCC, its legal representative). Those values are
proposed, not imposed: they are filled in and stay editable, and the form is checked as
if typed.

Pure: the caller passes the person's details, the bundle's category and the data of the
certificates held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: For each role an applicant can play, the form fields that name that person.
ROLE_FIELDS: dict[str, dict[str, str]] = {
    "mother": {"name": "mother_name", "id_number": "mother_id_number"},
    "father": {"name": "father_name", "id_number": "father_id_number"},
    "legal_representative": {
        "name": "legal_representative",
        "id_number": "legal_representative_id_number",
    },
}

#: Certificate data that is not a form value (the certificate's own bookkeeping).
NOT_FORM_DATA = frozenset({"note", "number", "valid_until", "decision", "verify_url"})


def sex_of(id_number: str) -> str | None:
    """ "female" or "male" by GB 11643 (the 17th character: odd male, even female)."""
    if len(id_number) != 18 or not id_number[16].isdigit():
        return None
    return "male" if int(id_number[16]) % 2 else "female"


def roles_of(*, person: bool, id_number: str, form_fields: Iterable[str]) -> tuple[str, ...]:
    """The roles a person applying with this form plays.

    A person who applies for a form that names a legal representative (负责人) is that
    representative (a company's own profile already gives it). A form that names both
    parents is a parent's: the mother if the applicant's resident ID number says female,
    the father if male.
    """
    if not person:
        return ()
    keys = set(form_fields)
    roles = []
    if ROLE_FIELDS["legal_representative"]["name"] in keys:
        roles.append("legal_representative")
    if {ROLE_FIELDS["mother"]["name"], ROLE_FIELDS["father"]["name"]} <= keys:
        sex = sex_of(id_number)
        if sex is not None:
            roles.append("mother" if sex == "female" else "father")
    return tuple(roles)


def prefill(
    form_fields: Iterable[str],
    *,
    name: str,
    id_number: str,
    roles: Iterable[str] = (),
    certificates: Iterable[Mapping[str, object]] = (),
) -> dict[str, str]:
    """Values proposed for ``form_fields``: the roles the applicant plays first, then the
    fields a held certificate certifies (the first certificate that has a value wins)."""
    keys = list(form_fields)
    wanted = set(keys)
    values: dict[str, str] = {}
    person = {"name": name, "id_number": id_number}
    for role in roles:
        for attribute, key in ROLE_FIELDS.get(role, {}).items():
            if key in wanted and person.get(attribute) and key not in values:
                values[key] = person[attribute]
    for data in certificates:
        for key, value in data.items():
            if (
                key in wanted
                and key not in values
                and key not in NOT_FORM_DATA
                and isinstance(value, str | int | float)
                and not isinstance(value, bool)
                and str(value).strip()
            ):
                values[key] = str(value)
    return {k: values[k] for k in keys if k in values}
