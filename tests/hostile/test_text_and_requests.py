"""Hostile text and malformed requests end in a 4xx at the boundary, never a 500
or a row in the database (issue 11, "Hostile input never reaches a 500").

Runs on SQLite (make test) and PostgreSQL (scripts/test-postgres.sh).
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from onething.accounts.models import User
from onething.applications.models import Application, Case, Upload
from onething.domain.registers import REGISTERS, parse_register
from onething.domain.validators import ValidationProblem, check_text
from onething.registers.models import CriminalRecord
from tests.api.test_api import API, assert_error, bearer, post_json, submission
from tests.conftest import PDF

pytestmark = pytest.mark.django_db

# (JSON escape as a client sends it, the code point) — lone surrogates, NUL, C0, DEL, C1.
HOSTILE = [
    ("\\ud800", "U+D800"), ("\\udfff", "U+DFFF"), ("\\u0000", "U+0000"),
    ("\\u0007", "U+0007"), ("\\u001b", "U+001B"), ("\\u007f", "U+007F"),
    ("\\u0085", "U+0085"), ("\\u009f", "U+009F"),
]
# The same characters as Python strings (for forms, query strings and CSV);
# a form cannot carry a lone surrogate (UTF-8 has none), so only control characters.
CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"]


# -- the shared validator --------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("\ud800", "surrogate"), ("a\udc00b", "surrogate"), ("\x00", "control_character"),
    ("x\x1fy", "control_character"), ("\x7f", "control_character"),
    ("\x80", "control_character"), ("\x9f", "control_character"),
    ("one\ntwo", "control_character"), ("tab\there", "control_character"),
])
def test_check_text_refuses_single_line(text, code):
    with pytest.raises(ValidationProblem) as info:
        check_text(text)
    assert info.value.code == code


@pytest.mark.parametrize("text", ["经营范围：餐饮\n糕点\r\n饮品\t零售", "Ａ１　全角", "emoji 🍜"])
def test_multiline_text_keeps_line_breaks_and_real_characters(text):
    assert check_text(text, multiline=True) == text


def test_multiline_text_still_refuses_nul_and_surrogates():
    for text, code in (("a\x00", "control_character"), ("\ud83d", "surrogate")):
        with pytest.raises(ValidationProblem) as info:
            check_text(text, multiline=True)
        assert info.value.code == code


# -- the API: JSON bodies ---------------------------------------------------------------


def _raw_submission(data: dict, where: str, escape: str) -> str:
    """The submission as JSON text with the escape spliced into one string."""
    marker = "MARKER-7f3a"
    if where == "form_data":
        data = {**data, "form_data": {**data["form_data"], "company_name": f"甜心{marker}"}}
    elif where == "answers":
        data = {**data, "answers": {"menu": f"hot-food{marker}"}}
    elif where == "answer key":
        data = {**data, "answers": {f"menu{marker}": "hot-food"}}
    elif where == "form key":
        data = {**data, "form_data": {**data["form_data"], f"x{marker}": "1"}}
    elif where == "idempotency_key":
        data = {**data, "idempotency_key": f"k{marker}"}
    return json.dumps(data).replace(marker, escape)


@pytest.mark.parametrize("where", ["form_data", "answers", "answer key", "form key",
                                   "idempotency_key"])
@pytest.mark.parametrize(("escape", "point"), HOSTILE)
def test_api_refuses_hostile_text_anywhere_in_the_body(client, demo, escape, point, where):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    response = post_json(client, "/applications", _raw_submission(data, where, escape), headers)
    body = assert_error(response, 400, "invalid_character")
    assert point in body["message"]
    assert not Application.objects.exists()


def test_api_refuses_a_line_break_in_a_single_line_field_but_not_in_a_text_area(client, demo):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    broken = {**data, "form_data": {**data["form_data"], "company_name": "甜心\n烘焙"}}
    body = assert_error(post_json(client, "/applications", broken, headers), 400,
                        "invalid_submission")
    assert body["errors"] == {"company_name": "“经营主体名称”含有不允许的控制字符 U+000A "
                                              "(control character U+000A is not allowed)"}
    lines = {**data, "form_data": {**data["form_data"], "business_scope": "糕点制售\r\n饮品"}}
    created = post_json(client, "/applications", lines, headers)
    assert created.status_code == 201, created.content
    assert Application.objects.get().form_data["business_scope"] == "糕点制售\r\n饮品"


def test_surrogate_through_the_api_no_longer_breaks_the_workbench_case_page(client, demo):
    """The reported bug: one lone surrogate stored through the API, then every view
    of the case failed with 500. Now the API refuses it and nothing is stored."""
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    response = post_json(client, "/applications",
                         _raw_submission(data, "form_data", "\\ud800"), headers)
    assert_error(response, 400, "invalid_character")
    created = post_json(client, "/applications", data, headers)
    assert created.status_code == 201
    case = Case.objects.get(matter__code="business-registration")
    client.force_login(demo.samr)
    assert client.get(reverse("workbench:case", args=[case.pk])).status_code == 200


def test_a_surrogate_stored_before_the_boundary_checked_is_shown_not_a_500(client, demo):
    """Rows written before the fix: the page shows U+FFFD instead of failing to encode.
    PostgreSQL never stored such a row: its jsonb refuses a lone surrogate."""
    headers = bearer(demo.applicant)
    created = post_json(client, "/applications", submission(client, headers, demo.applicant),
                        headers).json()
    application = Application.objects.get(pk=created["id"])
    bad = {**application.form_data, "company_name": "甜心\ud800烘焙\x00店"}
    if connection.vendor == "postgresql":
        from django.db import DataError, transaction

        with pytest.raises(DataError), transaction.atomic():
            Application.objects.filter(pk=application.pk).update(form_data=bad)
        return
    Application.objects.filter(pk=application.pk).update(form_data=bad)
    assert Application.objects.get(pk=application.pk).form_data["company_name"] == \
        "甜心\ufffd烘焙\ufffd店"
    case = Case.objects.get(matter__code="business-registration")
    client.force_login(demo.samr)
    page = client.get(reverse("workbench:case", args=[case.pk]))
    assert page.status_code == 200
    assert "甜心\ufffd烘焙\ufffd店" in page.content.decode()
    api = client.get(f"{API}/cases/{case.pk}", **bearer(demo.samr))
    assert api.status_code == 200 and api.json()["form"]["company_name"] == "甜心\ufffd烘焙\ufffd店"


@pytest.mark.parametrize(("escape", "point"), HOSTILE)
def test_api_plan_answers_and_actions_refuse_hostile_text(client, demo, escape, point):
    plan = client.get(f"{API}/bundles/restaurant/plan",
                      {"answers": '{"menu": "hot' + escape + '"}'})
    assert point in assert_error(plan, 400, "invalid_character")["message"]
    headers = bearer(demo.applicant)
    created = post_json(client, "/applications", submission(client, headers, demo.applicant),
                        headers).json()
    withdraw = post_json(client, f"/applications/{created['id']}/withdraw",
                         '{"reason": "不办了' + escape + '"}', headers)
    assert_error(withdraw, 400, "invalid_character")
    assert Application.objects.get().status == "in_progress"


# -- query strings: search and everything else ----------------------------------------


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize("url", ["/search/", f"{API}/search", f"{API}/bundles/restaurant/plan",
                                 "/bundles/restaurant/"])
def test_query_strings_with_control_characters_are_refused(client, demo, url, char):
    response = client.get(url, {"q": f"水电{char}气", "answer": "menu=hot-food"})
    assert response.status_code == 400
    point = f"U+{ord(char):04X}"
    if url.startswith(API):
        assert response.json() == {
            "code": "invalid_character",
            "message": f"含有不允许的控制字符 {point} (control character {point} is not allowed)",
            "errors": {"q": f"含有不允许的控制字符 {point} (control character {point} is not "
                            "allowed)"}}
    else:
        page = response.content.decode()
        assert "提交的内容无法处理" in page and point in page


def test_a_control_character_in_the_path_is_refused(client):
    response = client.get("/bundles/rest%00aurant/")
    assert response.status_code == 400 and "U+0000" in response.content.decode()


# -- HTML forms ---------------------------------------------------------------------------


def _sign_in(client, demo, who):
    if who == "applicant":
        client.force_login(demo.applicant)
    elif who == "clerk":
        client.force_login(demo.clerk)


FORMS = [
    # (who, url, fields) — the portal apply form, registration, the workbench window
    # form, the kiosk sign-in and the portal sign-in.
    ("applicant", "/bundles/restaurant/apply/", {"company_name": "甜心{}", "idempotency_key": "k"}),
    ("anonymous", "/register/", {"name": "张{}", "mobile": "13800000111", "kind": "person"}),
    ("clerk", "/workbench/window/restaurant/form/", {"company_name": "甜心{}"}),
    ("anonymous", "/kiosk/identify/", {"id_number": "11010519491231002{}"}),
    ("anonymous", "/login/", {"mobile": "1380000{}0001"}),
]


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize(("who", "url", "fields"), FORMS)
def test_html_forms_refuse_control_characters_with_a_page_not_a_500(client, demo, who, url,
                                                                    fields, char):
    _sign_in(client, demo, who)
    users = User.objects.count()
    data = {k: v.format(char) for k, v in fields.items()}
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    point = f"U+{ord(char):04X}"
    assert "提交的内容无法处理" in page
    assert f"含有不允许的控制字符 {point} (control character {point} is not allowed)" in page
    assert not Application.objects.exists() and User.objects.count() == users


def test_multipart_form_with_control_character_in_a_field_is_refused(client, demo):
    client.force_login(demo.applicant)
    response = client.post("/bundles/restaurant/apply/",
                           {"company_name": "甜心\x00", "material-x": SimpleUploadedFile(
                               "a.pdf", PDF)})
    assert response.status_code == 400 and "U+0000" in response.content.decode()
    assert not Upload.objects.exists()


# -- register CSV ---------------------------------------------------------------------------


@pytest.mark.parametrize("char", CONTROL)
def test_register_csv_reports_the_line_of_a_control_character(char):
    text = ("id_number,name,offence,judgment_date,court,judgment_number\n"
            "11010519491231002X,张三,盗窃罪,2015-01-01,德城区人民法院,\n"
            f"110105194912310038,李{char}四,盗窃罪,2015-01-01,德城区人民法院,\n")
    result = parse_register(REGISTERS["criminal-records"], text)
    point = f"U+{ord(char):04X}"
    assert [str(p) for p in result.problems] == [
        f"第 3 行 (line 3)：“姓名”（name）含有不允许的控制字符 {point} "
        f"(control character {point} is not allowed)"]


def test_register_import_page_refuses_the_whole_file(client, demo, django_user_model):
    from onething.registers.demo import demo_csvs

    client.force_login(django_user_model.objects.get(username="reviewer-dc-police"))
    bad = demo_csvs()["criminal-records"] + "110105194912310038,李\x07四,盗窃罪,2015-01-01,,\n"
    response = client.post(reverse("workbench:register-load", args=["criminal-records"]),
                           {"file": SimpleUploadedFile("r.csv", bad.encode(), "text/csv")})
    page = response.content.decode()
    assert response.status_code == 400 and "第 5 行" in page and "U+0007" in page
    assert not CriminalRecord.objects.exists()


# -- malformed requests ---------------------------------------------------------------------


def _multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "b0und4ry") -> bytes:
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                 f"Content-Type: application/pdf\r\n\r\n").encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("url", [f"{API}/uploads", "/bundles/restaurant/apply/"])
@pytest.mark.parametrize("content_type", ["multipart/form-data",
                                          "multipart/form-data; boundary=",
                                          "multipart/form-data; boundary=\u00e9"])
def test_multipart_without_a_valid_boundary_is_400(client, demo, url, content_type):
    headers = bearer(demo.applicant)
    client.force_login(demo.applicant)
    response = client.generic("POST", url, _multipart([("file", "a.pdf", PDF)]),
                              content_type=content_type, **headers)
    assert response.status_code == 400
    if url.startswith(API):
        assert response.json()["code"] == "malformed_multipart"
    else:
        assert "上传内容格式错误" in response.content.decode()
    assert not Upload.objects.exists()


def test_oversized_part_headers_are_400(client, demo):
    body = (b"--b0und4ry\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            + b"X-Padding: " + b"a" * 5000 + b"\r\n\r\n" + PDF + b"\r\n--b0und4ry--\r\n")
    response = client.generic("POST", f"{API}/uploads", body,
                              content_type="multipart/form-data; boundary=b0und4ry",
                              **bearer(demo.applicant))
    assert_error(response, 400, "malformed_multipart")
    assert not Upload.objects.exists()


@pytest.mark.parametrize(("length", "code"), [
    (256, "file_name_too_long"), (900, "file_name_too_long"),
    # Longer names push the part's headers past Django's 1024-byte limit.
    (1000, "malformed_multipart"), (5000, "malformed_multipart"),
])
def test_oversized_file_names_are_400(client, demo, length, code):
    name = "a" * (length - 4) + ".pdf"
    response = client.generic("POST", f"{API}/uploads", _multipart([("file", name, PDF)]),
                              content_type="multipart/form-data; boundary=b0und4ry",
                              **bearer(demo.applicant))
    assert_error(response, 400, code)
    assert not Upload.objects.exists()


def test_a_file_name_of_255_characters_is_fine(client, demo):
    response = client.generic("POST", f"{API}/uploads",
                              _multipart([("file", "a" * 251 + ".pdf", PDF)]),
                              content_type="multipart/form-data; boundary=b0und4ry",
                              **bearer(demo.applicant))
    assert response.status_code == 201 and len(response.json()["name"]) == 200


TOO_BIG = "99999999999999999999"  # > 2**64


@pytest.mark.parametrize(("method", "path"), [
    ("get", f"/applications/{TOO_BIG}"), ("get", f"/applications/{2**63}"),
    ("get", f"/cases/{TOO_BIG}"), ("get", f"/applications/{TOO_BIG}/delivery"),
    ("post", f"/applications/{TOO_BIG}/withdraw"), ("post", f"/cases/{TOO_BIG}/actions/accept"),
    ("post", f"/applications/{TOO_BIG}/delivery/delivered"),
])
def test_ids_beyond_64_bits_in_api_urls_are_400(client, demo, method, path):
    headers = bearer(demo.applicant)
    response = getattr(client, method)(f"{API}{path}", content_type="application/json",
                                       **headers)
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize("upload_id", [2**63, 2**64, 10**30, 0, -1])
def test_upload_ids_beyond_64_bits_in_bodies_are_400(client, demo, upload_id):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    key = next(iter(data["materials"]))
    body = assert_error(post_json(client, "/applications",
                                  {**data, "materials": {**data["materials"], key: upload_id}},
                                  headers), 400, "invalid_request")
    assert list(body["errors"]) == [f"materials.{key}"]
    assert not Application.objects.exists()


def test_resubmit_with_an_upload_id_beyond_64_bits_is_400(client, demo):
    headers = bearer(demo.applicant)
    created = post_json(client, "/applications", submission(client, headers, demo.applicant),
                        headers).json()
    case = created["cases"][0]["id"]
    response = post_json(client, f"/cases/{case}/actions/resubmit",
                         {"materials": {"x": 2**64}}, headers)
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/workbench/cases/{}/"), ("post", "/workbench/cases/{}/"),
    ("get", "/applications/{}/"), ("post", "/applications/{}/withdraw/"),
    ("get", "/workbench/applications/{}/receipt/"),
])
def test_ids_beyond_64_bits_in_page_urls_are_a_404_not_a_500(client, demo, method, url):
    client.force_login(demo.samr if url.startswith("/workbench") else demo.applicant)
    if "receipt" in url:
        client.force_login(demo.clerk)
    assert getattr(client, method)(url.format(TOO_BIG)).status_code == 404


# -- upload size: stopped while streaming ---------------------------------------------------


def test_an_upload_is_refused_as_soon_as_it_passes_the_limit(settings, demo, tmp_path):
    """413 with the rest of the body unread and no temporary file left behind."""
    from django.test import RequestFactory

    from onething.core.hostile import HostileInputMiddleware

    settings.ONETHING_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # past this, Django writes a temp file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    total = 8 * 1024 * 1024
    body = _multipart([("file", "big.pdf", PDF + b"0" * total)])
    request = RequestFactory().generic(
        "POST", f"{API}/uploads", body, content_type="multipart/form-data; boundary=b0und4ry")
    request.user = demo.applicant
    reached = []
    response = HostileInputMiddleware(lambda r: reached.append(r))(request)
    assert response.status_code == 413 and reached == []
    assert json.loads(response.content)["code"] == "too_large"
    stream = request.META["wsgi.input"]
    read = stream._FakePayload__content.tell()
    assert read < 2 * 1024 * 1024 < total  # stopped near the limit, not at the end
    assert list(tmp_path.iterdir()) == []  # the partial temporary file is gone


def test_an_oversized_upload_through_the_api_is_413(client, demo, settings, tmp_path):
    settings.ONETHING_UPLOAD_MAX_BYTES = 256 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    response = client.post(f"{API}/uploads", {"file": SimpleUploadedFile(
        "big.pdf", PDF + b"0" * (1024 * 1024))}, **bearer(demo.applicant))
    body = assert_error(response, 413, "too_large")
    assert body["message"] == "文件超过大小上限 256 KB (file larger than 256 KB)"
    assert list(tmp_path.iterdir()) == [] and not Upload.objects.exists()
    small = client.post(f"{API}/uploads", {"file": SimpleUploadedFile("a.pdf", PDF)},
                        **bearer(demo.applicant))
    assert small.status_code == 201


def test_the_refusal_page_speaks_english_when_chosen(client, demo):
    from tests.english import english

    english(client)
    response = client.get("/search/", {"q": "水\x00"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "The submission cannot be processed" in page
    assert "Go back, remove the special or control characters and submit again." in page
    # The validator's message is bilingual itself.
    assert "(control character U+0000 is not allowed)" in page


def test_too_many_form_fields_are_400(client, demo):
    response = client.post("/search/", {f"f{i}": "x" for i in range(1001)})
    assert response.status_code == 400
    assert "请求无效 (bad request)" in response.content.decode()


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "application/json"])
def test_a_body_over_the_memory_limit_is_413(client, demo, settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    if content_type == "application/json":
        body = json.dumps({"bundle": "restaurant", "form_data": {"x": "a" * 100_000}})
        response = client.post(f"{API}/applications", body, content_type=content_type,
                               **bearer(demo.applicant))
    else:
        body = "q=" + "a" * 100_000
        response = client.post(f"{API}/uploads", body, content_type=content_type,
                               **bearer(demo.applicant))
    assert_error(response, 413, "too_large")
    assert not Application.objects.exists()


@pytest.mark.parametrize("char", CONTROL)
def test_workbench_case_actions_refuse_control_characters(client, demo, char):
    headers = bearer(demo.applicant)
    post_json(client, "/applications", submission(client, headers, demo.applicant), headers)
    case = Case.objects.get(matter__code="business-registration")
    client.force_login(demo.samr)
    url = reverse("workbench:case", args=[case.pk])
    response = client.post(url, {"action": "refuse", "reason": f"材料不全{char}"})
    assert response.status_code == 400
    assert f"U+{ord(char):04X}" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "submitted" and case.events.count() == 1
    lines = client.post(url, {"action": "refuse", "reason": "材料不全：\r\n缺少章程"})
    assert lines.status_code == 302
    case.refresh_from_db()
    assert case.status == "refused"


@pytest.mark.parametrize(("depth", "code"), [(40, "too_deep"), (100_000, "malformed_json")])
def test_deeply_nested_json_is_400(client, demo, depth, code):
    body = '{"bundle": "restaurant", "form_data": {"x": ' + "[" * depth + "]" * depth + "}}"
    assert_error(post_json(client, "/applications", body, bearer(demo.applicant)), 400, code)


def test_a_form_sent_to_a_json_operation_is_refused_not_a_500(client, demo):
    """The API reads JSON; a form body would be consumed by the form parser first."""
    from onething.accounts.services import issue_api_token

    token = issue_api_token(demo.applicant)
    response = client.post("/api/v1/applications", {"bundle": "restaurant"},
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
