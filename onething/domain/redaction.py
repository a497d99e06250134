"""Masking personal data in free text (logs, audit details).

Two kinds of number identify a person on their own and are masked wherever
they appear in running text: the 18-character resident ID number (GB 11643,
masked like :func:`onething.domain.validators.mask_id_number`: first 6 and
last 4 kept) and the 11-digit mainland mobile number (masked like
:func:`onething.domain.validators.mask_mobile`: first 3 and last 4 kept),
also when written with a +86 / 86 prefix or grouped 3-4-4 by spaces or dashes.

A number is masked only when it stands alone: digits on either side mean it is
part of a longer number (a tracking number, a timestamp) and it is left as it
is. Letters do not count as "part of": the username ``m13800138000`` holds a
mobile number and is masked to ``m138****8000``.
"""

from __future__ import annotations

import re

# 17 digits and a check character; not preceded or followed by a digit, and the
# check character X not followed by a letter either (an identifier like ...X_a).
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9+])((?:\+?86[ -]?)?)(1[3-9][0-9][ -]?)([0-9]{4})([ -]?[0-9]{4})"
                     r"(?![0-9])")
# Sign-in codes are 4 to 8 digits in an SMS text; only used on texts known to be messages.
_CODE = re.compile(r"(?<![0-9])[0-9]{4,8}(?![0-9])")


def mask_personal_text(text: str) -> str:
    """``text`` with every resident ID number and mobile number in it masked."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
    return _MOBILE.sub(lambda m: m.group(1) + m.group(2) + "****" + m.group(4), text)


def mask_message_codes(text: str) -> str:
    """An SMS text with its one-time codes (runs of 4-8 digits) hidden, and any
    personal numbers masked: what may be logged of a message outside development."""
    # Codes first: the masked mobile's last four digits are no code.
    return mask_personal_text(_CODE.sub(lambda m: "*" * len(m.group(0)), text))


def mask_personal_data(value: object) -> object:
    """``value`` (JSON-like: dicts, lists, strings, numbers) with every string masked."""
    if isinstance(value, str):
        return mask_personal_text(value)
    if isinstance(value, dict):
        return {str(k): mask_personal_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_personal_data(v) for v in value]
    return value


def mask_person_name(name: str) -> str:
    """A person's name as a public page shows it: ``张*明``, ``王*``, ``欧阳**华``.

    The first and the last character stay (two-character names keep the first only);
    every other character becomes ``*``.
    """
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
