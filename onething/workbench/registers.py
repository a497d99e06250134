"""Workbench pages where a department loads its register (共享数据导入) from CSV.

The registers app holds the data and the rules for loading it; its pages are the
workbench's, like every staff page (the registers app imports no UI app).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from onething.domain.registers import REGISTERS
from onething.registers.selectors import latest_loads
from onething.registers.services import load_register, may_load
from onething.workbench.access import forbidden, staff_required
from onething.workbench.labels import label


@staff_required()
def index(request: HttpRequest) -> HttpResponse:
    loads = latest_loads()
    rows = [{"key": key, "spec": spec, "name": label("register", key), "load": loads.get(key),
             "may_load": may_load(request.user, key)} for key, spec in REGISTERS.items()]
    return render(request, "workbench/registers.html", {"rows": rows})


@staff_required()
@require_http_methods(["GET", "POST"])
def load(request: HttpRequest, register: str) -> HttpResponse:
    spec = REGISTERS.get(register)
    if spec is None:
        raise Http404("没有这个数据库 (no such register)")
    if not may_load(request.user, register):
        return forbidden(request, gettext("只有数据所属部门可以导入“%(name)s”。")
                         % {"name": label("register", register)}, title=gettext("无权访问"))
    context: dict[str, object] = {"spec": spec, "register": register,
                                  "name": label("register", register),
                                  "latest": latest_loads().get(register)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = {"file": gettext("请选择要导入的 CSV 文件")}
            status = 400
        elif upload.size > settings.ONETHING_UPLOAD_MAX_BYTES * 5:
            context["errors"] = {"file": gettext("文件过大，请分批导入")}
            status = 400
        else:
            result = load_register(register, upload.read(), actor=request.user,
                                   filename=upload.name or "")
            context["result"] = result
            if result.ok:
                context["latest"] = result.load
            else:
                status = 400
    return render(request, "workbench/register_load.html", context, status=status)
