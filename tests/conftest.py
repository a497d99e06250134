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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the catalogue and the demo accounts once; each test rolls back to this."""
    from django.test import override_settings

    from onething.accounts.demo import create_demo_accounts
    from onething.catalog.services import load_catalog
    from onething.registers.demo import verify_demo_identities

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        load_catalog(CATALOG_DIR)
        create_demo_accounts()
        verify_demo_identities()
        empty_audit_trail()


def empty_audit_trail() -> None:
    """Tests start from an empty audit trail: the demo set-up (register imports,
    identity checks) is not what they look at. The append-only trigger is switched off
    for this one statement, as only the table's owner can."""
    from django.db import connection

    from onething.audit.models import AuditChainHead, AuditEntry

    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_auditentry_append_only")
        cursor.execute(f"DELETE FROM {table}")
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_auditentry_append_only")
    AuditChainHead.objects.all().delete()
    # The seal the set-up's entries queued (the session's set-up runs with the database
    # task backend): tests that count task rows start from none.
    from django_tasks_db.models import DBTaskResult

    from onething.audit.tasks import seal_audit_chain

    DBTaskResult.objects.filter(task_path=seal_audit_chain.module_path).delete()


@pytest.fixture
def loaded_catalog(db):
    """The shipped catalogue in the test database (reloaded after a flush)."""
    from onething.catalog.models import Bundle
    from onething.catalog.services import load_catalog

    if not Bundle.objects.exists():  # a transactional test emptied the database
        return load_catalog(CATALOG_DIR)
    return None


@pytest.fixture(scope="session")
def _test_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(autouse=True)
def _quiet_side_effects(settings, _test_data_dir):
    """SMS into memory, tasks run at once (on commit), uploads in a temporary folder."""
    settings.DATA_DIR = _test_data_dir
    from onething.notifications.backends import MemorySmsBackend

    settings.ONETHING_SMS_BACKEND = "onething.notifications.backends.MemorySmsBackend"
    # Argon2 is deliberately slow; tests create dozens of staff accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    MemorySmsBackend.outbox.clear()
    yield


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demo(loaded_catalog):
    """Catalogue + demo accounts; returns a namespace of users."""
    from types import SimpleNamespace

    from onething.accounts.demo import create_demo_accounts
    from onething.accounts.models import User
    from onething.registers.demo import verify_demo_identities

    if not User.objects.filter(username="demo-applicant").exists():
        create_demo_accounts()
        verify_demo_identities()
        empty_audit_trail()
    get = User.objects.get
    return SimpleNamespace(
        applicant=get(username="demo-applicant"),
        applicant2=get(username="demo-applicant-2"),
        clerk=get(username="demo-clerk"),
        manager=get(username="demo-manager"),
        samr=get(username="reviewer-dc-samr"),
        health=get(username="reviewer-dc-health"),
        fire=get(username="reviewer-dc-fire"),
        urban=get(username="reviewer-dc-urban-management"),
    )


@pytest.fixture
def halls(demo):
    """The demo halls (德城区政务服务中心, the main one, and 黄河涯镇便民服务中心) with their
    categories, windows and the demo clerk's and assistant's windows."""
    from types import SimpleNamespace

    from onething.hall.demo import create_demo_halls
    from onething.hall.models import Hall

    create_demo_halls()
    empty_audit_trail()  # tests look at what they do, not at the set-up
    county = Hall.objects.get(slug="decheng-centre")
    township = Hall.objects.get(slug="huangheya-centre")
    return SimpleNamespace(county=county, township=township,
                           window=lambda hall, number: hall.windows.get(number=number))


def upload_pdf(owner, content: bytes = PDF, name: str = "a.pdf"):
    import io

    from onething.applications.services import store_upload

    return store_upload(io.BytesIO(content), owner=owner, name=name)


RESTAURANT_FORM = {
    "company_name": "德城甜心烘焙店", "entity_type": "个体工商户", "legal_representative": "李晓红",
    "legal_representative_id_number": "", "business_address": "德城区新华路1号",
    "business_scope": "糕点制售", "registered_capital": "10", "food_categories": "糕点类",
    "floor_area": "80", "seat_count": "12", "food_safety_officer_name": "王五",
    "staff_count": "3", "signboard_size": "4×1", "signboard_text": "甜心烘焙",
    "opening_date": "2026-12-20", "applicant_mobile": "13800000001", "uscc": "",
}


def restaurant_submission(owner, answers=None, key="", applicant=None):
    """A complete restaurant submission whose files belong to ``owner``."""
    from onething.applications.services import Submission
    from onething.catalog.selectors import plan_bundle

    plan = plan_bundle("restaurant", answers or {})
    form = {f.key: RESTAURANT_FORM.get(f.key, "x") for f in plan.fields}
    person = applicant or owner
    form["legal_representative_id_number"] = (person.id_number
                                               or person.representative_id_number)
    form.pop("uscc", None)
    materials = {m.key: upload_pdf(owner).pk for m in plan.materials}
    return Submission(bundle="restaurant", answers=answers or {}, form_data=form,
                      materials=materials, idempotency_key=key,
                      commitments=signed_commitments(plan))


def signed_commitments(plan) -> dict[str, str]:
    """告知承诺: the plan's commitments signed as shown (matter code -> SHA-256 of the text)."""
    return {c.matter: c.sha256 for c in plan.commitments}
