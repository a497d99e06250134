from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("onething.api.urls")),
    path("workbench/", include("onething.workbench.urls")),
    path("kiosk/", include("onething.kiosk.urls")),
    path("files/", include("onething.applications.urls")),
    path("", include("onething.certificates.urls")),
    path("", include("onething.ops.urls")),
    path("", include("onething.core.urls")),
    path("", include("onething.accessibility.urls")),
    path("", include("onething.portal.urls")),
]

handler400 = "onething.core.error_pages.bad_request"
handler403 = "onething.core.error_pages.permission_denied"
handler404 = "onething.core.error_pages.page_not_found"
handler500 = "onething.core.faults.server_error"
