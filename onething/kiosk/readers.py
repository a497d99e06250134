"""Resident ID card readers for the kiosk (身份证阅读器), as plug-ins.

Set ONETHING_ID_CARD_READER to a dotted path of an :class:`IdCardReader`.
A reader is asked when the resident presses “刷身份证”; it returns what the
card says or None. Hardware readers usually run a small service on the
kiosk computer; a deployment writes a subclass that talks to it. Two ship:

- ``KeypadOnlyReader`` (default): no reader, the resident types the number.
- ``SandboxReader``: a demonstration card, the number in
  ONETHING_KIOSK_SANDBOX_ID_NUMBER (default: the demo applicant's).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class CardData:
    id_number: str
    name: str = ""


class IdCardReader(ABC):
    #: Show the “刷身份证” button at all.
    available = True
    label = "身份证阅读器"

    @abstractmethod
    def read(self, request: HttpRequest) -> CardData | None: ...


class KeypadOnlyReader(IdCardReader):
    available = False
    label = "无阅读器（手工输入）"

    def read(self, request: HttpRequest) -> CardData | None:
        return None


class SandboxReader(IdCardReader):
    label = "演示读卡器"

    def read(self, request: HttpRequest) -> CardData | None:
        from onething.accounts.demo import DEMO_APPLICANTS

        number = os.environ.get("ONETHING_KIOSK_SANDBOX_ID_NUMBER",
                                DEMO_APPLICANTS[0]["id_number"])
        return CardData(number) if number else None


def id_card_reader() -> IdCardReader:
    return import_string(settings.ONETHING_ID_CARD_READER)()
