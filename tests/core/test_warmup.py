"""Each web process warms up before it serves (onething/core/warmup.py, onething/wsgi.py)."""

import importlib
import sys

import pytest

from onething.core import warmup

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


def first_step() -> None:
    CALLS.append("first")


def broken_step() -> None:
    CALLS.append("broken")
    raise RuntimeError("no such table")


def test_the_configured_steps_build_the_search_index_and_the_urls(settings, loaded_catalog):
    from django.urls import get_resolver

    from onething.search import selectors

    selectors._indexes.clear()
    from django.urls import clear_url_caches

    clear_url_caches()
    took = warmup.warm_up()
    assert list(took) == ["onething.core.warmup.load_urls",
                          "onething.catalog.selectors.catalog_for_bundles",
                          "onething.search.selectors.search_index"]
    assert all(isinstance(seconds, float) for seconds in took.values())
    assert len(selectors._indexes) == 1  # built, so the first search does not wait
    assert get_resolver()._populated


def test_a_failing_step_is_logged_and_the_next_still_runs(settings, caplog):
    CALLS.clear()
    settings.ONETHING_WARM_UP = ["tests.core.test_warmup.broken_step",
                                 "tests.core.test_warmup.first_step"]
    took = warmup.warm_up()
    assert CALLS == ["broken", "first"]
    assert took["tests.core.test_warmup.broken_step"] is None
    assert isinstance(took["tests.core.test_warmup.first_step"], float)
    assert ("Warm-up step tests.core.test_warmup.broken_step failed (RuntimeError: no such "
            "table); it will run on first use") in caplog.text
    assert "Traceback" not in caplog.text


def test_the_wsgi_entry_point_warms_up_as_it_loads(monkeypatch):
    called = []
    monkeypatch.setattr(warmup, "warm_up", lambda: called.append(True))
    sys.modules.pop("onething.wsgi", None)
    module = importlib.import_module("onething.wsgi")
    assert called == [True]
    assert callable(module.application)
