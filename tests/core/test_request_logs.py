"""Request ids, the client address behind a trusted proxy, UTC timestamps and the JSON
log format; in Django's log and in gunicorn's access log."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config
import re

import pytest
from django.conf import settings as django_settings

from onething.core.logformat import JsonFormatter, forwarded_client, parse_networks
from tests.portal.test_sms_gateway_down import BACKEND

from .conftest import onething
from .test_production_settings import run

HEX32 = re.compile(r"[0-9a-f]{32}")
UTC_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_a_valid_request_id_is_kept_and_returned(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-7f3a9c2e-01")
    assert response["X-Request-ID"] == "nginx-7f3a9c2e-01"


@pytest.mark.parametrize("given", ["", "short", "has space in it", "evil\r\nX-Injected: 1",
                                   "x" * 129, "中文请求编号abcdefgh"])
def test_a_missing_or_invalid_request_id_is_replaced(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert HEX32.fullmatch(response["X-Request-ID"])


def test_forwarded_client_trusts_only_the_configured_proxies():
    proxies = parse_networks("10.0.0.2, 10.1.0.0/16")
    # From a trusted proxy: the right-most address that is not a proxy.
    assert forwarded_client("10.0.0.2", "198.51.100.1, 203.0.113.9", proxies) == "203.0.113.9"
    assert forwarded_client("10.0.0.2", "203.0.113.9, 10.1.4.4", proxies) == "203.0.113.9"
    # From anyone else the header is whatever the client wrote: not believed.
    assert forwarded_client("198.51.100.7", "1.2.3.4", proxies) == "198.51.100.7"
    assert forwarded_client("10.0.0.2", "1.2.3.4", []) == "10.0.0.2"
    assert forwarded_client("10.0.0.2", "not-an-address", proxies) == "10.0.0.2"


@pytest.fixture
def json_console(settings):
    """The configured console handler with the JSON formatter, writing into a string."""
    settings.ONETHING_LOG_SMS_CODES = False
    config = {**django_settings.LOGGING,
              "formatters": {"line": {"()": "onething.core.logformat.JsonFormatter"}}}
    logging.config.dictConfig(config)
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    handler.setStream(stream)
    yield stream
    logging.config.dictConfig(django_settings.LOGGING)


@pytest.mark.django_db
def test_json_lines_carry_utc_time_request_id_client_and_no_personal_data(
        client, demo, settings, json_console):
    settings.ONETHING_SMS_BACKEND = BACKEND
    settings.ONETHING_TRUSTED_PROXIES = parse_networks("10.0.0.2")
    before = dt.datetime.now(dt.UTC)
    response = client.post("/login/", {"step": "mobile", "mobile": "13800000001"},
                           HTTP_X_REQUEST_ID="req-0123456789", REMOTE_ADDR="10.0.0.2",
                           HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 200 and response["X-Request-ID"] == "req-0123456789"
    lines = [json.loads(line) for line in json_console.getvalue().splitlines()]
    warning = next(line for line in lines if line["logger"] == "onething.accounts")
    assert sorted(warning) == ["client", "level", "logger", "message", "request_id", "time"]
    assert warning["level"] == "WARNING"
    assert warning["request_id"] == "req-0123456789"
    assert warning["client"] == "203.0.113.9"
    assert warning["message"] == (f"sign-in code SMS not sent via {BACKEND}: TimeoutError: "
                                  "gateway did not answer in 10 s")
    assert UTC_ISO.fullmatch(warning["time"])
    logged = dt.datetime.fromisoformat(warning["time"].replace("Z", "+00:00"))
    assert before - dt.timedelta(seconds=1) <= logged <= dt.datetime.now(dt.UTC)
    assert "13800000001" not in json_console.getvalue()


def test_json_formatter_masks_and_keeps_exceptions(json_console):
    log = logging.getLogger("onething.test")
    try:
        raise ValueError("bad mobile 13800000001")
    except ValueError:
        log.exception("import of %s failed", "11010519491231002X")
    entry = json.loads(json_console.getvalue().splitlines()[-1])
    assert entry["message"] == "import of 110105********002X failed"
    assert entry["request_id"] == "-" and entry["client"] == "-"
    assert entry["exception"].endswith("ValueError: bad mobile 138****0001")
    assert isinstance(JsonFormatter().format(logging.makeLogRecord({"msg": "x"})), str)


def test_the_json_option_from_the_environment(clean_env):
    script = ("import logging; logging.getLogger('onething.x').warning('hello %s', "
              "'13800000001')")
    env = {**clean_env, "ONETHING_LOG_FORMAT": "json", "ONETHING_LOG_SMS_CODES": "0"}
    result = run(onething("shell", "-c", script), env)
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "hello 138****0001" and entry["logger"] == "onething.x"
    assert UTC_ISO.fullmatch(entry["time"])
    plain = run(onething("shell", "-c", script), {**clean_env, "ONETHING_LOG_SMS_CODES": "0"})
    line = plain.stderr.strip().splitlines()[-1]
    # Plain lines: UTC time, level, logger, request id, message (not +0800 local time).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARNING onething\.x \[-\] "
                        r"hello 138\*\*\*\*0001", line), line
    refused = run(onething("check"), {**clean_env, "ONETHING_LOG_FORMAT": "xml"})
    assert refused.returncode != 0
    assert "ONETHING_LOG_FORMAT must be plain or json" in refused.stderr


class _Response:
    status = "200 OK"
    sent = 12
    headers = [("Content-Type", "text/html"), ("X-Request-ID", "req-0123456789")]


class _Request:
    headers = [("USER-AGENT", "curl/8")]


def _access_line(monkeypatch, capsys, log_format: str) -> str:
    from gunicorn.config import Config

    from onething.core import gunicorn_conf
    from onething.core.gunicorn_logger import GunicornLogger

    monkeypatch.setenv("ONETHING_TRUSTED_PROXIES", "10.0.0.2")
    monkeypatch.setenv("ONETHING_LOG_FORMAT", log_format)
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", gunicorn_conf.access_log_format)
    logger = GunicornLogger(config)
    environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9",
               "REQUEST_METHOD": "GET", "RAW_URI": "/healthz", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_USER_AGENT": "curl/8"}
    logger.access(_Response(), _Request(), environ, dt.timedelta(milliseconds=5))
    return capsys.readouterr().out.strip()


def test_gunicorn_access_line_has_utc_time_real_client_and_request_id(monkeypatch, capsys):
    line = _access_line(monkeypatch, capsys, "plain")
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 203\.0\.113\.9 '
                        r'"GET /healthz HTTP/1\.1" 200 12 5ms "-" "curl/8" req-0123456789',
                        line), line


def test_gunicorn_access_line_as_json(monkeypatch, capsys):
    entry = json.loads(_access_line(monkeypatch, capsys, "json"))
    assert UTC_ISO.fullmatch(entry.pop("time"))
    assert entry == {"level": "INFO", "logger": "gunicorn.access", "client": "203.0.113.9",
                     "request_id": "req-0123456789", "method": "GET", "path": "/healthz",
                     "status": 200, "bytes": 12, "duration_ms": 5, "referer": "-",
                     "user_agent": "curl/8"}
