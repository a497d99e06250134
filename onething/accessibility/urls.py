"""/applications/<id>/notices/receipt.<format>,
/applications/<id>/cases/<case>/notices/<kind>.<format> and
/bundles/<slug>/guide.<format>, format one of large.pdf, braille.txt, brf."""

from django.urls import path, register_converter

from onething.accessibility import views


class FormatConverter:
    regex = r"large\.pdf|braille\.txt|brf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class CaseNoticeConverter:
    regex = r"acceptance|correction|decision|certificate"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "notice_format")
register_converter(CaseNoticeConverter, "case_notice")

app_name = "accessibility"
urlpatterns = [
    path("applications/<int:application_id>/notices/receipt.<notice_format:fmt>",
         views.receipt, name="receipt"),
    path("applications/<int:application_id>/cases/<int:case_id>/notices/"
         "<case_notice:kind>.<notice_format:fmt>", views.case_notice, name="case-notice"),
    path("bundles/<slug:slug>/guide.<notice_format:fmt>", views.bundle_guide, name="guide"),
]
