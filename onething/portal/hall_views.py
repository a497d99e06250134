"""The public 办事大厅 page: every active hall's address, hours, phone and how to get there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onething.hall import selectors


def halls(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/halls.html", {"halls": selectors.public_halls()})
