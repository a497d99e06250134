"""One search index per test session: building one loads jieba's dictionary (~1 s)."""

from __future__ import annotations

import pytest

from onething.domain.search import SearchIndex


@pytest.fixture(scope="session")
def index(shipped) -> SearchIndex:
    return SearchIndex.from_catalog(shipped.catalog)
