"""Shared fixtures: the shipped catalogue, read once, and loaded into the test database."""

from __future__ import annotations

from pathlib import Path

import pytest

from onething.domain.catalog import ReadResult, read_catalog

REPO = Path(__file__).resolve().parent.parent
CATALOG_DIR = REPO / "catalog"


@pytest.fixture(scope="session")
def shipped() -> ReadResult:
    return read_catalog(CATALOG_DIR)


@pytest.fixture
def loaded_catalog(db):
    """The shipped catalogue loaded into the (per-test) database."""
    from onething.catalog.services import load_catalog

    return load_catalog(CATALOG_DIR)
