"""Hostile input stops at the door: one middleware and one upload handler.

Every request's path, query string and form fields (URL-encoded or
multipart) pass :func:`onething.domain.validators.check_text` before any view
runs; JSON bodies of the API are checked by the API's parser
(``onething.api.parsing``) with the same function. A request that fails gets
a 4xx with a bilingual message — JSON in the API's error shape under
``/api/``, an HTML page elsewhere — and nothing of it reaches a view, a
service or the database.

Malformed multipart bodies (no boundary, part headers over Django's limit),
too many fields or files, and bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are
answered here too (400 or 413) instead of surfacing as a 500 in the first
view that touches ``request.POST``.

:class:`LimitedUploadHandler` counts the bytes of each uploaded file while
the body streams in and stops the request with 413 as soon as a file passes
``ONETHING_UPLOAD_MAX_BYTES``: a huge upload is never written to disk whole.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve

from onething.domain.validators import ValidationProblem, check_text

#: Longest file name accepted in an upload (characters), as most file systems allow.
MAX_FILE_NAME = 255


class UploadTooLarge(RequestDataTooBig):
    """A file in the body passed ``ONETHING_UPLOAD_MAX_BYTES``."""


class BadFileName(SuspiciousOperation):
    """A file name too long to store or show."""


class LimitedUploadHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: refuses a file as its bytes pass the limit.

    The handlers after it (memory, then a temporary file) receive only the
    chunks this one let through, so no more than the limit is ever buffered.
    """

    def new_file(self, field_name, file_name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if len(file_name or "") > MAX_FILE_NAME:
            raise BadFileName(f"file name longer than {MAX_FILE_NAME} characters")
        self.received = 0
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > settings.ONETHING_UPLOAD_MAX_BYTES:
            raise UploadTooLarge(f"file larger than {settings.ONETHING_UPLOAD_MAX_BYTES} bytes")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def _limit_label() -> str:
    limit = settings.ONETHING_UPLOAD_MAX_BYTES
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit // 1024} KB"


def _rejection(exc: Exception) -> tuple[int, str, str]:
    """(status, code, bilingual message) for an exception raised while parsing a body."""
    if isinstance(exc, UploadTooLarge):
        return (413, "too_large",
                f"文件超过大小上限 {_limit_label()} (file larger than {_limit_label()})")
    if isinstance(exc, RequestDataTooBig):
        return 413, "too_large", "请求体过大 (request body too large)"
    if isinstance(exc, BadFileName):
        return (400, "file_name_too_long",
                f"文件名过长，最多 {MAX_FILE_NAME} 个字符 "
                f"(file name longer than {MAX_FILE_NAME} characters)")
    if isinstance(exc, MultiPartParserError):
        return (400, "malformed_multipart",
                "上传内容格式错误 (malformed multipart body: boundary or part headers)")
    return 400, "bad_request", "请求无效 (bad request)"


def _close_partial_files(request: HttpRequest) -> None:
    # Django closes only completed files when parsing fails; the one being
    # written when the limit passed is closed (and its temporary file removed) here.
    for handler in getattr(request, "_upload_handlers", None) or ():
        partial = getattr(handler, "file", None)
        if partial is not None:
            partial.close()


# API operations that take a multipart form (a file upload); every other one takes JSON.
API_FORM_OPERATIONS = {"upload"}


def _takes_forms(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name in API_FORM_OPERATIONS


def find_hostile_input(request: HttpRequest) -> tuple[int, str, str, str] | None:
    """The first problem of a request as (status, code, message, where), or None."""
    try:
        check_text(request.path)
    except ValidationProblem as exc:
        return 400, "invalid_character", exc.message, "path"
    for key, values in request.GET.lists():
        for value in [key, *values]:
            try:
                check_text(value)
            except ValidationProblem as exc:
                return 400, "invalid_character", exc.message, key[:64]
    if request.method not in {"POST", "PUT", "PATCH"} or request.content_type not in {
        "application/x-www-form-urlencoded", "multipart/form-data"
    }:
        return None  # JSON is checked by the API's parser
    if request.path.startswith("/api/") and not _takes_forms(request):
        # The API reads these bodies as JSON with its strict parser (which checks the
        # text); parsing them as a form here would consume the body that parser needs.
        return None
    try:
        form = request.POST
        files = request.FILES
    except (MultiPartParserError, SuspiciousOperation) as exc:
        _close_partial_files(request)
        status, code, message = _rejection(exc)
        return status, code, message, "request"
    for key, values in form.lists():
        try:
            check_text(key)
        except ValidationProblem as exc:
            return 400, "invalid_character", exc.message, "request"
        for value in values:
            try:
                # Text areas send tab and line breaks; single-line fields are
                # held to check_text(multiline=False) by the form checker.
                check_text(value, multiline=True)
            except ValidationProblem as exc:
                return 400, "invalid_character", exc.message, key[:64]
    for key, uploaded in files.items():
        try:
            check_text(uploaded.name or "")
        except ValidationProblem as exc:
            return 400, "invalid_character", exc.message, key[:64]
    return None


class HostileInputMiddleware:
    """Answers a request carrying hostile input with a 4xx before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = find_hostile_input(request)
        if problem is None:
            return self.get_response(request)
        status, code, message, where = problem
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message, "errors": {where: message}},
                                status=status, json_dumps_params={"ensure_ascii": False})
        response = render(request, "core/bad_input.html",
                          {"message": message, "code": code}, status=status)
        return response
