"""One error shape for the whole API: ``{"code", "message", "errors"}``.

Every exception a request can cause is mapped here to a 4xx with a machine
code, a message in Chinese with English in brackets, and per-field errors —
bad input never becomes a 5xx.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from onething.api import language
from onething.api.parsing import InputRejected
from onething.applications.selectors import NotVisible
from onething.applications.storage import UploadRejected
from onething.certificates.keys import SIGNING_UNAVAILABLE, KeyMissing
from onething.core.errors import CaseActionDenied, SubmissionError
from onething.core.faults import fault_response
from onething.domain.cases import IllegalTransition, ReasonRequired
from onething.domain.planner import PlanningError

logger = logging.getLogger(__name__)

NOT_FOUND = "未找到，或您无权查看 (not found)"

# Submission error codes that are not a plain 400.
_SUBMISSION_STATUS = {"nothing_to_withdraw": 409, "idempotency_key_reused": 422}


class ApiError(Exception):
    """Raised by views for errors the services do not name themselves."""

    def __init__(self, status: int, code: str, message: str,
                 errors: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.errors = dict(errors or {})
        super().__init__(message)


def error_response(status: int, code: str, message: str,
                   errors: Mapping[str, str] | None = None) -> JsonResponse:
    """The error body; in English the English of "中文 (English)" messages (language.py)."""
    body = {"code": code, "message": language.message(message),
            "errors": {key: language.message(str(value)) for key, value in (errors or {}).items()}}
    return JsonResponse(body,
                        status=status, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """JSON 404 for any path under /api/v1/ that is no endpoint."""
    return error_response(404, "not_found", NOT_FOUND)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    """ninja's error list as ``{field: message}``; the location prefix
    (body / query / path and the parameter name) is dropped."""
    errors: dict[str, str] = {}
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "form", "file", "header"}:
            loc = loc[1:]
        if len(loc) > 1 and loc[0] in {"payload", "params"}:
            loc = loc[1:]
        key = ".".join(loc) or "request"
        errors.setdefault(key, str(item.get("msg", "invalid")))
    return errors


def install(api: NinjaAPI) -> None:
    """Register a handler for every exception a request may raise."""

    def handle(exc_class: type[Exception]):
        def decorator(func):
            api.add_exception_handler(exc_class, func)
            return func
        return decorator

    @handle(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        response = error_response(exc.status, exc.code, exc.message, exc.errors)
        if exc.status == 401:
            response["WWW-Authenticate"] = "Bearer"
        return response

    @handle(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        unknown = [".".join(str(p) for p in item.get("loc", ())[2:]) or "?"
                   for item in exc.errors if item.get("type") == "extra_forbidden"]
        if unknown:
            names = ", ".join(unknown)
            return error_response(400, "unknown_field",
                                  f"请求中有未定义的字段：{names} (unknown field: {names})",
                                  {name: "unknown field" for name in unknown})
        return error_response(400, "invalid_request", "请求内容不符合要求 (invalid request)",
                              _field_errors(exc))

    @handle(AuthenticationError)
    def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(401, "unauthorized",
                                  "请提供有效的接口令牌 (missing or invalid bearer token)")
        response["WWW-Authenticate"] = "Bearer"
        return response

    @handle(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, RequestDataTooBig):  # request.body over the limit
            return error_response(413, "too_large", "请求体过大 (request body too large)")
        if isinstance(exc.__cause__, InputRejected):  # raised by the strict JSON parser
            return error_response(400, exc.__cause__.code, exc.__cause__.message,
                                  {"request": exc.__cause__.message})
        # json.JSONDecodeError, UnicodeDecodeError; RecursionError: nested beyond the stack
        if isinstance(exc.__cause__, ValueError | RecursionError):
            return error_response(400, "malformed_json",
                                  "请求体不是有效的 JSON (request body is not valid JSON)")
        return error_response(exc.status_code, f"http_{exc.status_code}", str(exc))

    @handle(InputRejected)
    def _rejected(request: HttpRequest, exc: InputRejected) -> HttpResponse:
        return error_response(400, exc.code, exc.message, {"request": exc.message})

    @handle(json.JSONDecodeError)
    def _bad_json(request: HttpRequest, exc: json.JSONDecodeError) -> HttpResponse:
        return error_response(400, "malformed_json", "JSON 格式错误 (malformed JSON)")

    @handle(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(413, "too_large", "请求体过大 (request body too large)")

    @handle(SuspiciousOperation)
    def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return error_response(400, "bad_request", "请求无效 (bad request)")

    @handle(KeyMissing)
    def _key_missing(request: HttpRequest, exc: KeyMissing) -> HttpResponse:
        logger.error("certificate signing failed on this node: %s", exc)
        response = error_response(503, "signing_key_missing", SIGNING_UNAVAILABLE)
        response["Retry-After"] = "60"
        return response

    @handle(NotVisible)
    def _not_visible(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(404, "not_found", NOT_FOUND)

    api.add_exception_handler(Http404, _not_visible)
    api.add_exception_handler(ObjectDoesNotExist, _not_visible)

    @handle(SubmissionError)
    def _submission(request: HttpRequest, exc: SubmissionError) -> HttpResponse:
        return error_response(_SUBMISSION_STATUS.get(exc.code, 400), exc.code,
                              str(exc), exc.errors)

    @handle(PlanningError)
    def _planning(request: HttpRequest, exc: PlanningError) -> HttpResponse:
        return error_response(400, "invalid_answers", str(exc), {"answers": str(exc)})

    @handle(UploadRejected)
    def _upload(request: HttpRequest, exc: UploadRejected) -> HttpResponse:
        return error_response(413 if exc.code == "too_large" else 400, exc.code, str(exc),
                              {"file": str(exc)})

    @handle(IllegalTransition)
    def _illegal(request: HttpRequest, exc: IllegalTransition) -> HttpResponse:
        return error_response(409, "illegal_transition", str(exc))

    @handle(ReasonRequired)
    def _reason(request: HttpRequest, exc: ReasonRequired) -> HttpResponse:
        return error_response(400, "reason_required", str(exc), {"reason": str(exc)})

    @handle(CaseActionDenied)
    def _denied(request: HttpRequest, exc: CaseActionDenied) -> HttpResponse:
        return error_response(403, "forbidden", str(exc))

    @handle(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The database or the uploads volume failing: 503 / 507, so the client retries.
        fault = fault_response(request, exc)
        if fault is not None:
            return fault
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", "服务器内部错误 (internal error)")
