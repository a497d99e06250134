"""The catalogue in the Django admin (Chinese): browse and edit every entry.

Edits here take effect at once, once ``catalog check`` accepts them
(CheckedCatalogAdmin: a refused edit saves nothing and shows the checker's messages).
The YAML under ``catalog/`` stays the reviewed source: ``onething catalog load``
re-applies an entry only when its YAML changes, and ``--force`` re-applies everything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone

from onething.catalog import models, selectors
from onething.catalog.services import (
    CatalogEditRefused,
    all_bundle_slugs,
    announce_calendar_change,
    bundles_using_matters,
    checked_catalog_edit,
    enter_holiday_notice,
    remove_holiday_notice,
)
from onething.domain.calendar import (
    FIRST_NOTICE_YEAR,
    LAST_NOTICE_YEAR,
    SOURCE_LABELS,
    DateListInvalid,
    notice_problems,
    parse_date_list,
)

admin.site.site_header = "onething 一件事 管理后台"
admin.site.site_title = "onething 管理后台"
admin.site.index_title = "目录与系统管理"


class CheckedCatalogAdmin(admin.ModelAdmin):
    """A catalogue entry saved the way ``catalog check`` would accept it.

    The entry and its inlines are saved together through
    ``services.checked_catalog_edit``: the bundles and matters the edit touches are
    rebuilt from their rows and checked; when the checker finds a problem (a
    dependency cycle, a promise in calendar days, a maintainer's note in a public
    text …) nothing is saved and the form comes back with the checker's messages.
    """

    def affected(self, obj: Any) -> tuple[list[str], list[str]]:
        """(bundle slugs, matter codes) an edit of ``obj`` may break: by default all."""
        return all_bundle_slugs(), []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Saved with its inlines in save_related, inside the checked edit."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: bool) -> None:
        obj = form.instance
        with checked_catalog_edit(lambda: self.affected(obj)):
            super().save_model(request, obj, form, change)
            super().save_related(request, form, formsets, change)

    def changeform_view(self, request: HttpRequest, object_id: str | None = None,
                        form_url: str = "", extra_context: dict[str, Any] | None = None,
                        ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except CatalogEditRefused as refused:
            # Rolled back; show the same form again, the checker's messages on top.
            request._catalog_refusal = refused.problems  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        affected = self.affected(obj)  # while its relations can still be read
        with checked_catalog_edit(lambda: affected):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with checked_catalog_edit(lambda: (all_bundle_slugs(), [])):
            super().delete_queryset(request, queryset)

    def delete_view(self, request: HttpRequest, object_id: str,
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except CatalogEditRefused as refused:
            return self._refused(request, refused)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except CatalogEditRefused as refused:  # a bulk deletion
            return self._refused(request, refused)

    def _refused(self, request: HttpRequest, refused: CatalogEditRefused) -> HttpResponse:
        """Rolled back: back to the page, the checker's messages on top."""
        for problem in refused.problems:
            messages.error(request, problem)
        return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        problems = getattr(request, "_catalog_refusal", None)
        if not problems:
            return form_class

        class Refused(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                self.add_error(None, list(problems))
                return data

        return Refused


class MatterMaterialInline(admin.TabularInline):
    model = models.MatterMaterial
    extra = 0
    autocomplete_fields = ["material"]


class MatterFieldInline(admin.TabularInline):
    model = models.MatterField
    extra = 0
    autocomplete_fields = ["field"]


@admin.register(models.Region)
class RegionAdmin(CheckedCatalogAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(models.Department)
class DepartmentAdmin(CheckedCatalogAdmin):
    list_display = ["code", "name", "short_name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["code", "name", "short_name"]


@admin.register(models.CertificateType)
class CertificateTypeAdmin(CheckedCatalogAdmin):
    list_display = ["key", "name"]
    search_fields = ["key", "name"]


@admin.register(models.Material)
class MaterialAdmin(CheckedCatalogAdmin):
    list_display = ["key", "name", "certificate"]
    search_fields = ["key", "name"]
    list_filter = ["certificate"]


@admin.register(models.FieldDefinition)
class FieldDefinitionAdmin(CheckedCatalogAdmin):
    list_display = ["key", "label", "type"]
    list_filter = ["type"]
    search_fields = ["key", "label"]


@admin.register(models.Matter)
class MatterAdmin(CheckedCatalogAdmin):
    list_display = ["code", "name", "kind", "department", "promised_days", "promised_unit",
                    "statutory_days", "statutory_unit"]
    list_filter = ["kind", "department", "cross_region", "online_depth"]
    search_fields = ["code", "name", "description"]
    inlines = [MatterMaterialInline, MatterFieldInline]
    readonly_fields = ["source_file", "updated_at"]

    def affected(self, obj: Any) -> tuple[list[str], list[str]]:
        return bundles_using_matters([obj.code]), [obj.code]


class BundleMemberInline(admin.TabularInline):
    model = models.BundleMember
    extra = 0
    autocomplete_fields = ["matter"]


class QuestionInline(admin.StackedInline):
    model = models.Question
    extra = 0
    show_change_link = True


class ConditionInline(admin.StackedInline):
    model = models.BundleCondition
    extra = 0


class DependencyInline(admin.TabularInline):
    model = models.BundleDependency
    extra = 0
    autocomplete_fields = ["matter", "requires"]


class FieldMappingInline(admin.TabularInline):
    model = models.FieldMapping
    extra = 0


@admin.register(models.Bundle)
class BundleAdmin(CheckedCatalogAdmin):
    list_display = ["slug", "name", "category", "lead_department", "batch", "status"]
    list_filter = ["category", "status", "batch"]
    search_fields = ["slug", "name", "description"]
    inlines = [BundleMemberInline, QuestionInline, ConditionInline, DependencyInline,
               FieldMappingInline]
    readonly_fields = ["source_file", "updated_at"]

    def affected(self, obj: Any) -> tuple[list[str], list[str]]:
        return [obj.slug], []


class OptionInline(admin.TabularInline):
    model = models.Option
    extra = 0


@admin.register(models.Question)
class QuestionAdmin(CheckedCatalogAdmin):
    list_display = ["bundle", "key", "text"]
    list_filter = ["bundle"]
    inlines = [OptionInline]

    def affected(self, obj: Any) -> tuple[list[str], list[str]]:
        return [obj.bundle.slug], []


@admin.register(models.Scenario)
class ScenarioAdmin(CheckedCatalogAdmin):
    list_display = ["slug", "title", "bundle"]
    search_fields = ["slug", "title"]


class HolidayYearForm(forms.ModelForm):
    """A year's notice typed in as it is published: the days off, the make-up days."""

    holidays = forms.CharField(
        label="放假日期", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="按通知填写全部放假日期，逗号或换行分隔，连续日期可写成范围，"
                  "如 2027-01-01, 2027-02-05..2027-02-11（范围可含周末）。")
    workdays = forms.CharField(
        label="调休上班日期", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="调休上班的星期六、星期日，如 2027-02-13, 2027-02-20。")

    class Meta:
        model = models.HolidayYear
        fields = ["year", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            days = models.CalendarDay.objects.filter(date__year=self.instance.year)
            for name, working in (("holidays", False), ("workdays", True)):
                self.initial[name] = ", ".join(
                    d.isoformat() for d in days.filter(is_working_day=working)
                    .values_list("date", flat=True))

    def _dates(self, name: str) -> list[dt.date]:
        try:
            return parse_date_list(self.cleaned_data.get(name) or "")
        except DateListInvalid as exc:
            raise forms.ValidationError(exc.problems) from exc

    def clean_holidays(self) -> list[dt.date]:
        return self._dates("holidays")

    def clean_workdays(self) -> list[dt.date]:
        return self._dates("workdays")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year = data.get("year", self.instance.year if self.instance.pk else None)
        if year is not None and "holidays" in data and "workdays" in data:
            problems = notice_problems(year, data["holidays"], data["workdays"])
            if problems:
                raise forms.ValidationError(problems)
        return data


@admin.register(models.HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """Entering a year's notice here works as ``onething holidays add``: the year's
    days are replaced and open cases' due dates recomputed (calendar_changed)."""

    form = HolidayYearForm
    list_display = ["year", "source", "entered_via"]
    change_list_template = "admin/catalog/holidayyear/change_list.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["year", "entered_via"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        enter_holiday_notice(obj.year, source=obj.source,
                             holidays=form.cleaned_data["holidays"],
                             workdays=form.cleaned_data["workdays"],
                             via=models.EnteredVia.ADMIN)
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        remove_holiday_notice(obj.year)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for year in list(queryset.values_list("year", flat=True)):
            remove_holiday_notice(year)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.in_force_view)
        return [path("in-force/", view, name="catalog_holidayyear_in_force"),
                *super().get_urls()]

    def in_force_view(self, request: HttpRequest) -> HttpResponse:
        """The national holidays in force for a year, whatever their source."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year", today.year))
        except ValueError:
            year = today.year
        year = min(max(year, FIRST_NOTICE_YEAR), LAST_NOTICE_YEAR)
        in_force = selectors.calendar_in_force(year)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{year}年节假日安排（现行）",
            "opts": self.model._meta,
            "in_force": in_force,
            "rows": [{"day": d.day, "weekday": "一二三四五六日"[d.day.weekday()],
                      "working": d.working, "name": d.name, "provisional": d.provisional,
                      "source": SOURCE_LABELS[d.source]} for d in in_force.days],
            "year": year, "previous_year": year - 1, "next_year": year + 1,
        }
        return TemplateResponse(request, "admin/catalog/holidayyear/in_force.html", context)


@admin.register(models.CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Single dates: corrections to the package or to an entered notice."""

    list_display = ["date", "is_working_day", "name", "entered_via"]
    list_filter = ["is_working_day", "entered_via"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        years = {obj.date.year}
        if change and "date" in form.changed_data:
            years.add(form.initial["date"].year)
        obj.entered_via = models.EnteredVia.ADMIN
        super().save_model(request, obj, form, change)
        announce_calendar_change(years)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        announce_calendar_change({obj.date.year})

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        years = {day.year for day in queryset.values_list("date", flat=True)}
        super().delete_queryset(request, queryset)
        announce_calendar_change(years)
