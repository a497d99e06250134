"""The search results page, /search/?q=…: bundles, scenarios and matters."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onething.catalog import selectors as catalog_selectors
from onething.search import selectors

LIMIT = 20


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200].strip()
    hits, suggestions = [], []
    loaded = catalog_selectors.catalog_is_loaded()
    if loaded:
        hits = selectors.search(query, LIMIT) if query else []
        if not hits:
            suggestions = selectors.suggestions()
    return render(request, "portal/search.html", {
        "query": query, "hits": hits, "suggestions": suggestions, "loaded": loaded,
    })
