"""Serving uploaded materials, only to people allowed to see the case."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from onething.accounts.models import Role
from onething.applications import selectors, storage
from onething.audit.services import record_audit

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@require_GET
@login_required
def material_file(request: HttpRequest,
                  material_id: int) -> FileResponse | HttpResponseRedirect:
    try:
        material = selectors.material_for(request.user, material_id)
    except selectors.NotVisible as exc:
        raise Http404("没有这份材料 (no such material)") from exc
    if material.upload is None:  # 免提交: the applicant's certificate; show its verification
        from onething.certificates.services import verify_path

        return redirect(verify_path(material.certificate.number))
    path = storage.path_for(material.upload.sha256)
    if not path.exists():
        raise Http404("文件已不存在 (file missing)")
    upload = material.upload
    inline = request.GET.get("inline") == "1"
    if request.user.role != Role.APPLICANT:
        # Every look a member of staff takes at a citizen's material is on the record.
        record_audit("material.viewed" if inline else "material.downloaded",
                     actor=request.user, subject=material,
                     details={"application": material.application_id,
                              "material": material.material_key, "sha256": upload.sha256})
    # The stored name is never the user's; the download name is built from the catalogue.
    filename = f"{material.material_key}-{material.pk}.{EXTENSIONS.get(upload.content_type, 'bin')}"
    response = FileResponse(path.open("rb"), content_type=upload.content_type,
                            as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
