"""GET /metrics: off unless configured, refused without the token or an allowed address,
and the numbers an operator alerts on, read from the database when scraped."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from onething.core import counters
from onething.core.heartbeat import record_heartbeat
from onething.core.models import WorkerHeartbeat
from onething.notifications.models import Delivery
from onething.notifications.tasks import deliver

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scraper-token-0123456789"


@pytest.fixture
def scraper(settings, client):
    settings.ONETHING_METRICS_TOKEN = TOKEN
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def scrape() -> dict[str, dict[tuple, float]]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        samples: dict[str, dict[tuple, float]] = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = \
                    sample.value
        return samples

    return scrape


def one(samples, name: str, **labels: str) -> float:
    return samples[name][tuple(sorted(labels.items()))]


def test_metrics_are_off_by_default(client, settings):
    settings.ONETHING_METRICS_TOKEN = ""
    settings.ONETHING_METRICS_ALLOWED_ADDRESSES = []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_a_wrong_or_missing_token_is_refused(client, settings):
    settings.ONETHING_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    # A forwarded address is not the client's address for this check.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.0.5.7").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and "no-cache" in ok["Cache-Control"]
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_allowed_addresses_and_networks(client, settings):
    settings.ONETHING_METRICS_TOKEN = ""
    settings.ONETHING_METRICS_ALLOWED_ADDRESSES = ["10.0.5.7", "192.168.10.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.5.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.10.200").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.5.8").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="192.168.11.1",
                      HTTP_X_FORWARDED_FOR="10.0.5.7").status_code == 403


def test_queue_age_rises_while_no_worker_runs(scraper):
    record_heartbeat("node1:1")
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - dt.timedelta(seconds=200))
    deliver.enqueue(1)
    deliver.enqueue(2)
    deliver.using(run_after=timezone.now() + dt.timedelta(hours=1)).enqueue(3)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=100))
    first = scraper()
    assert one(first, "onething_task_queue_due") == 2
    assert one(first, "onething_task_queue_deferred") == 1
    assert one(first, "onething_task_oldest_due_age_seconds") == pytest.approx(100, abs=2)
    assert one(first, "onething_worker_heartbeat_age_seconds") == pytest.approx(200, abs=2)
    assert one(first, "onething_workers_alive") == 0
    # Nobody works the queue: a minute later the same tasks have waited a minute longer.
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=160))
    later = scraper()
    assert one(later, "onething_task_oldest_due_age_seconds") == pytest.approx(160, abs=2)
    assert one(later, "onething_database_up") == 1


def test_no_worker_ever_is_an_infinite_heartbeat_age(scraper):
    assert math.isinf(one(scraper(), "onething_worker_heartbeat_age_seconds"))


def test_outbox_and_failure_counters(scraper, demo):
    Delivery.objects.create(channel="sms", recipient="13800000001", body="x", dedupe_key="m:1")
    Delivery.objects.create(channel="sms", recipient="13800000001", body="y", dedupe_key="m:2",
                            status="failed")
    Delivery.objects.filter(dedupe_key="m:1").update(
        created_at=timezone.now() - dt.timedelta(seconds=300))
    counters.increment("delivery_attempt_failures", channel="sms", backend="acme.Gateway")
    counters.increment("delivery_attempt_failures", channel="sms", backend="acme.Gateway")
    counters.increment("delivery_attempt_failures", channel="email", backend="smtp.EmailBackend")
    counters.increment("sign_in_sms_failures", backend="acme.Gateway")
    samples = scraper()
    assert one(samples, "onething_outbox_pending") == 1
    assert one(samples, "onething_outbox_failed") == 1
    assert one(samples, "onething_outbox_oldest_pending_age_seconds") == pytest.approx(300, abs=2)
    assert samples["onething_delivery_attempt_failures_total"] == {
        (("backend", "acme.Gateway"), ("channel", "sms")): 2,
        (("backend", "smtp.EmailBackend"), ("channel", "email")): 1}
    assert samples["onething_sign_in_sms_failures_total"] == {(("backend", "acme.Gateway"),): 1}


def test_request_latency_is_counted_per_view(scraper, client):
    def healthz_count(samples) -> float:
        return samples["onething_http_request_duration_seconds_count"].get(
            (("method", "GET"), ("status", "200"), ("view", "healthz")), 0)

    before = healthz_count(scraper())
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page/13800000001/")
    client.get("/static/onething/site.css")
    after = scraper()
    assert any(("view", "static") in key
               for key in after["onething_http_request_duration_seconds_count"])
    assert healthz_count(after) == before + 2
    # Unmatched paths share one label: no path (and no number in it) becomes a label.
    assert (("method", "GET"), ("status", "404"), ("view", "unmatched")) in \
        after["onething_http_request_duration_seconds_count"]
    assert not any("13800000001" in str(key) for family in after.values() for key in family)


def test_certificate_signing_errors_are_counted(scraper, demo, settings, tmp_path):
    """An approval whose certificate cannot be signed (the key file is gone) is refused
    as before, and counted."""
    from onething.applications.services import submit_application, transition_case
    from onething.certificates import keys
    from onething.core.metrics import CERTIFICATE_SIGNING_ERRORS
    from onething.domain.cases import Action
    from tests.conftest import restaurant_submission

    settings.DATA_DIR = tmp_path
    key = keys.active_key()
    keys.private_key_path(key.key_id).unlink(missing_ok=True)
    before = CERTIFICATE_SIGNING_ERRORS.labels("KeyMissing")._value.get()
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    case = application.cases.get(matter__code="business-registration")
    transition_case(case.pk, Action.ACCEPT, actor=demo.samr)
    with pytest.raises(keys.KeyMissing):
        transition_case(case.pk, Action.APPROVE, actor=demo.samr, result={"note": "ok"})
    assert one(scraper(), "onething_certificate_signing_errors_total",
               error="KeyMissing") == before + 1
