"""Search over the database catalogue (what the running platform uses).

The index is built from the same specs the planner reads
(``catalog.selectors.catalog_for_bundles``) plus the scenarios, any matter
that is in no bundle and the active service halls (办事大厅, from
``hall.selectors.search_entries``), and kept per process until the catalogue
token or the halls' token changes (every load, every admin edit and every
change of a hall replaces it).
"""

from __future__ import annotations

from onething.catalog import models as catalog_models
from onething.catalog import selectors as catalog_selectors
from onething.domain import catalog as spec
from onething.domain.search import Entry, Hit, SearchIndex
from onething.hall import selectors as hall_selectors

_indexes: dict[str, SearchIndex] = {}


def search_index() -> SearchIndex:
    token = f"{catalog_selectors.catalog_token()}|{hall_selectors.search_token()}"
    index = _indexes.get(token)
    if index is None:
        index = _build_index()
        _indexes.clear()  # one catalogue version at a time
        _indexes[token] = index
    return index


def _build_index() -> SearchIndex:
    shared = catalog_selectors.catalog_for_bundles()
    # A copy: the cached catalogue is read-only, and we add to it.
    catalog = spec.Catalog(matters=dict(shared.matters), bundles=dict(shared.bundles))
    for row in catalog_selectors.scenarios():
        catalog.scenarios[row.slug] = spec.Scenario(
            slug=row.slug, title=row.title, bundle=row.bundle.slug,
            description=row.description, synonyms=tuple(row.synonyms))
    # Matters that are in no bundle are still found (they lead nowhere yet).
    others = catalog_models.Matter.objects.exclude(code__in=list(catalog.matters))
    for code, name, kind in others.values_list("code", "name", "kind"):
        catalog.matters[code] = spec.Matter(code, name, kind, "", spec.TimeLimit("instant"),
                                            spec.TimeLimit("instant"))
    halls = [Entry("hall", h.key, h.title, h.url_path, h.synonyms)
             for h in hall_selectors.search_entries()]
    return SearchIndex.from_catalog(catalog, halls)


def search(query: str, limit: int = 10) -> list[Hit]:
    return search_index().search(query, limit)


def suggestions(limit: int = 6) -> list[Hit]:
    return search_index().suggestions(limit)
