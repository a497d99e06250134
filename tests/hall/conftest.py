"""The demo halls (德城区政务服务中心 and 黄河涯镇便民服务中心) on top of the demo accounts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def halls(demo):
    from onething.hall.demo import create_demo_halls
    from onething.hall.models import Hall
    from tests.conftest import empty_audit_trail

    create_demo_halls()
    empty_audit_trail()  # tests look at what they do, not at the set-up
    county = Hall.objects.get(slug="decheng-centre")
    township = Hall.objects.get(slug="huangheya-centre")
    return SimpleNamespace(county=county, township=township,
                           window=lambda hall, number: hall.windows.get(number=number))
