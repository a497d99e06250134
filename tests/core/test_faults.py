"""Infrastructure failures answer 503 / 507 with Retry-After, never 500.

Real failures, no mocks: a server whose database cannot be reached (a port
nobody listens on, an SQLite file that cannot be opened), and an uploads
volume that is really full (a 1 MB tmpfs mounted for the test).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from onething.accounts.services import issue_api_token
from onething.applications.models import Upload
from tests.conftest import PDF

from .nodes import free_port, request, upload, web_node

ON_POSTGRESQL = connection.vendor == "postgresql"


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    status, answer_headers, body = request("GET", url, headers=headers, timeout=10)
    return status, answer_headers, body.decode()


SERVICE_UNAVAILABLE = ('{"code": "service_unavailable", "message": "服务暂时不可用，请稍后重试 '
                       '(service temporarily unavailable: the database cannot be reached; '
                       'retry later)", "errors": {}}')


@pytest.mark.parametrize("database_url", [
    "postgres://onething@127.0.0.1:{closed_port}/onething",
    "sqlite:////nonexistent-onething-dir/onething.sqlite3",
], ids=["postgresql-port-closed", "sqlite-file-unreachable"])
def test_a_node_without_its_database_answers_503_with_retry_after(clean_env, database_url):
    env = {**clean_env, "DATABASE_URL": database_url.format(closed_port=free_port())}
    with web_node(env) as node:
        base = node.url
        status, _, body = _get(f"{base}/readyz")
        assert (status, body) == (503, '{"status": "unavailable", "reason": '
                                       '"database unreachable"}')

        status, headers, body = _get(f"{base}/api/v1/bundles")
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert headers["Content-Type"] == "application/json"
        assert body == SERVICE_UNAVAILABLE

        status, headers, body = _get(f"{base}/")
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert "<h1>服务暂时不可用</h1>" in body
        assert "系统暂时无法访问数据库。您的操作没有完成，请稍后重试。" in body
        assert "请在 30 秒后刷新页面。" in body

        status, headers, body = _get(f"{base}/", Cookie="django_language=en")
        assert status == 503
        assert '<html lang="en">' in body
        assert "<h1>Service temporarily unavailable</h1>" in body
        assert "Please reload the page in 30 seconds." in body

        # Each 503 is logged once, as a WARNING; no ERROR (nor traceback) from Django.
        log = node.output(100_000)
        assert log.count("WARNING onething.faults") == 3, log  # /readyz answers by itself
        assert "database unavailable on GET /api/v1/bundles: OperationalError" in log
        errors = [line.split("] ", 1)[1] for line in log.splitlines() if " ERROR " in line]
        assert errors == ["Service Unavailable: /readyz"], log  # a not-ready node, as before
        assert "Traceback" not in log, log


@pytest.mark.skipif(not ON_POSTGRESQL,
                    reason="connection slots are a database server's (test-postgres.sh)")
@pytest.mark.django_db(transaction=True)
def test_exhausted_connection_slots_answer_503_until_one_is_free(clean_env):
    """Every slot the node's role may use is taken (CONNECTION LIMIT 1, held here):
    PostgreSQL refuses the node's connection ("too many connections"); once the
    slot is free the same node serves again by itself."""
    import psycopg

    from onething.catalog.models import Bundle

    s = connection.settings_dict
    role = "onething_exhausted"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    address = f"{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    holder = None
    try:
        holder = psycopg.connect(f"postgres://{role}@{address}")
        env = {**clean_env, "DATABASE_URL": f"postgres://{role}@{address}"}
        with web_node(env) as node:
            base = node.url
            status, headers, body = _get(f"{base}/api/v1/bundles")
            assert (status, headers["Retry-After"], body) == (503, "30", SERVICE_UNAVAILABLE)
            assert _get(f"{base}/readyz")[0] == 503
            holder.close()
            status, _, body = _get(f"{base}/api/v1/bundles")
            assert status == 200
            assert sorted(b["slug"] for b in json.loads(body)) == sorted(
                Bundle.objects.filter(single_matter=None).values_list("slug", flat=True))
    finally:
        if holder is not None:
            holder.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@pytest.fixture
def full_volume(tmp_path, settings):
    """The data directory's uploads/ on a 1 MB tmpfs (needs root, as CI has)."""
    uploads = tmp_path / "data" / "uploads"
    uploads.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(uploads)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the full-volume test (run as root): "
                    f"{mounted.stderr}")
    settings.DATA_DIR = tmp_path / "data"
    try:
        yield uploads
    finally:
        subprocess.run(["umount", str(uploads)], check=True)


def used(path: Path) -> int:
    stat = os.statvfs(path)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


@pytest.mark.django_db
def test_a_full_uploads_volume_answers_507_and_keeps_nothing(demo, full_volume):
    client = Client(raise_request_exception=False)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(demo.applicant, label='t')}"}
    before = used(full_volume)
    # 1.5 MB (under the 2 MB in-memory limit, so only the volume fills): ENOSPC mid-write.
    big = PDF + b"0" * (1536 * 1024)
    response = client.post("/api/v1/uploads", {"file": SimpleUploadedFile("big.pdf", big)},
                           **headers)
    assert response.status_code == 507, response.content
    assert response["Retry-After"] == "30"
    assert response.json() == {"code": "storage_full",
                               "message": "存储空间已满，文件未保存，请稍后重试 "
                                          "(storage full: the file was not saved; retry later)",
                               "errors": {}}
    assert list(full_volume.rglob("*")) == []  # no partial file
    assert used(full_volume) == before
    assert Upload.objects.count() == 0

    # The same volume takes a file that fits: nothing was left taking the space.
    small = PDF + b"1" * (200 * 1024)
    response = client.post("/api/v1/uploads", {"file": SimpleUploadedFile("s.pdf", small)},
                           **headers)
    assert response.status_code == 201, response.content
    assert Upload.objects.count() == 1


@pytest.mark.django_db
def test_a_full_volume_on_a_page_answers_507_in_the_visitors_language(demo, full_volume):
    from django.urls import path

    from onething.applications.services import store_upload

    def store(request):  # the same store_upload the portal and the window call
        store_upload(request.FILES["file"], owner=demo.applicant, name="x.pdf")

    client = Client(raise_request_exception=False)
    big = PDF + b"0" * (1536 * 1024)
    with _extra_url(path("store-for-test/", store)):
        response = client.post("/store-for-test/", {"file": SimpleUploadedFile("b.pdf", big)})
        assert response.status_code == 507
        assert response["Retry-After"] == "30"
        body = response.content.decode()
        assert "<h1>存储空间已满</h1>" in body
        client.cookies["django_language"] = "en"
        response = client.post("/store-for-test/", {"file": SimpleUploadedFile("b.pdf", big)})
        assert response.status_code == 507
        assert "<h1>Storage full</h1>" in response.content.decode()
    assert list(full_volume.rglob("*")) == []


class _extra_url:
    """The site's URLs plus one, for a view that stores an upload without a form."""

    def __init__(self, pattern) -> None:
        self.pattern = pattern

    def __enter__(self):
        from django.test.utils import override_settings

        import onething.urls

        module = type(onething.urls)("tests_core_fault_urls")
        module.urlpatterns = [self.pattern, *onething.urls.urlpatterns]
        module.handler500 = onething.urls.handler500
        import sys

        sys.modules[module.__name__] = module
        self.override = override_settings(ROOT_URLCONF=module.__name__)
        self.override.enable()
        return self

    def __exit__(self, *exc) -> None:
        import sys

        self.override.disable()
        sys.modules.pop("tests_core_fault_urls", None)


@pytest.mark.skipif(not ON_POSTGRESQL,
                    reason="takes a database server away (test-postgres.sh)")
@pytest.mark.django_db(transaction=True)
def test_uploads_under_load_through_a_database_outage_lose_nothing_and_duplicate_nothing(
        clean_env):
    """Four clients upload distinct files without pause, retrying each on 503 as the
    answer invites, while every connection of the web node is cut and new ones
    are refused for three seconds. Nothing else than 201 and 503 is ever
    answered; afterwards each file is recorded exactly once and the node serves
    on without a restart."""
    import threading

    import psycopg

    from onething.accounts.services import register_person
    from onething.domain.validators import id_check_character

    user = register_person(real_name="故障测试", mobile="13900000088",
                           id_number="37140219900101126" + id_check_character("37140219900101126"))
    token = issue_api_token(user, label="faults")
    s = connection.settings_dict
    url = (f"postgres://{s['USER']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}")
    env = {**clean_env, "DATABASE_URL": url, "ONETHING_DB_CONN_MAX_AGE": "600"}
    statuses: list[int] = []
    stored: dict[bytes, int] = {}  # file content -> upload id
    lock = threading.Lock()
    stop = threading.Event()
    failures: list[BaseException] = []

    with web_node(env) as node:
        base = node.url

        def client(n: int) -> None:
            try:
                k = 0
                while not stop.is_set():
                    content = PDF + f"client {n} file {k}".encode()
                    while True:  # the same file again until it is taken
                        status, body = upload(base, token, content)
                        with lock:
                            statuses.append(status)
                        if status != 503:
                            break
                        time.sleep(0.2)
                    assert status == 201, (status, body)
                    with lock:
                        stored[content] = body["id"]
                    k += 1
            except BaseException as exc:
                failures.append(exc)

        def done() -> int:
            with lock:
                return len(stored)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        try:
            deadline = time.monotonic() + 60
            while done() < 20:
                assert not failures and time.monotonic() < deadline, failures
                time.sleep(0.05)
            name = s["NAME"]
            admin = psycopg.connect(**{**connection.get_connection_params(),
                                       "dbname": "postgres"}, autocommit=True)
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            try:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> %s",
                              [name, connection.connection.info.backend_pid])
                time.sleep(3)
                during = done()
            finally:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                admin.close()
            while done() < during + 20:
                assert not failures and time.monotonic() < deadline + 60, failures
                time.sleep(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert failures == []
        assert _get(f"{base}/readyz")[0] == 200  # the same node, no restart

    counts = {status: statuses.count(status) for status in set(statuses)}
    print(f"answers: {counts}; files stored: {len(stored)}")
    assert set(counts) == {201, 503}  # the outage was seen, and never a 500
    rows = dict(Upload.objects.filter(owner=user).values_list("pk", "sha256"))
    assert sorted(rows) == sorted(stored.values())  # each file once, none lost
    assert len(set(rows.values())) == len(rows)
