"""现场核验身份: a clerk, with the applicant's original ID card in hand, verifies the
account in person (L3), or corrects a verified name or ID number.

Finding an account is by exact mobile or ID number only (``find_applicants``).
Each change is recorded with the clerk (``IdentityCheck``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from onething.accounts.choices import ApplicantKind
from onething.accounts.identity import correct_identity, verify_in_person
from onething.accounts.selectors import applicant_by_id, find_applicants
from onething.accounts.services import AccountError
from onething.workbench.access import WINDOW_ROLES, staff_required

QUERY_KEY = "identity_search"
CORRECTION_FIELDS = [("real_name", gettext_lazy("姓名（与身份证原件一致）"), "name"),
                     ("id_number", gettext_lazy("居民身份证号码（与身份证原件一致）"), "off"),
                     ("reason", gettext_lazy("更正原因"), "off")]


@staff_required(*WINDOW_ROLES)
def identity(request: HttpRequest) -> HttpResponse:
    # The number searched for is kept in the session, never in the URL (logs, history).
    if request.method == "POST" and request.POST.get("action") == "search":
        request.session[QUERY_KEY] = (request.POST.get("q") or "").strip()[:30]
        return redirect("workbench:identity")
    query = request.session.get(QUERY_KEY, "")
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        try:
            account = applicant_by_id(int(request.POST.get("account", "")))
        except ValueError:
            account = None
        if account is None:
            messages.error(request, gettext("没有这个申请人账户。"))
        elif request.POST.get("action") == "verify":
            if request.POST.get("original_seen") != "yes":
                messages.error(request, gettext("请先查验身份证原件，并勾选“已查验身份证原件，"
                                                "人证一致”。"))
            else:
                try:
                    verdict = verify_in_person(account, actor=request.user,
                                               evidence="window-original")
                except AccountError as exc:
                    messages.error(request, str(exc))
                else:
                    if verdict.matched:
                        messages.success(request, gettext("已现场核验：%(name)s")
                                         % {"name": account.display_name})
                    else:
                        messages.error(request, verdict.reason)
            return redirect("workbench:identity")
        elif request.POST.get("action") == "correct":
            posted = {name: request.POST.get(name, "").strip() for name, *_ in CORRECTION_FIELDS}
            try:
                correct_identity(account, clerk=request.user, **posted)
            except AccountError as exc:
                errors[exc.field or "reason"] = str(exc)
            else:
                messages.success(request, gettext("已更正并现场核验：%(name)s")
                                 % {"name": posted["real_name"]})
                request.session[QUERY_KEY] = posted["id_number"]
                return redirect("workbench:identity")
    found = find_applicants(query) if query else []
    rows = [{"user": u, "person": u.applicant_kind == ApplicantKind.PERSON,
             "checks": list(u.identity_checks.select_related("actor")[:5]),
             "fields": [{"id": f"correct-{u.pk}-{name}", "name": name, "label": label,
                         "autocomplete": auto, "error": errors.get(name, ""),
                         "value": posted.get(name, "") if posted else
                         {"real_name": u.real_name}.get(name, "")}  # the number: from the card
                        for name, label, auto in CORRECTION_FIELDS]}
            for u in found]
    return render(request, "workbench/identity.html",
                  {"query": query, "searched": bool(query), "rows": rows, "errors": errors},
                  status=400 if errors else 200)
