"""Admin for halls, categories and windows (administrators; managers use the workbench).

Edits here skip the services' form checks but not the database's constraints (one main
hall, one open shift per window and person, letters A–Z …); each save is recorded in the
audit trail like the workbench's. Shifts and appointments are read-only: they change
through their services only.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from onething.audit.services import record_audit
from onething.hall.models import (
    Appointment,
    DemandPeak,
    Hall,
    OpeningPeriod,
    ServiceCategory,
    TidalPlan,
    Window,
    WindowShift,
)


class AuditedAdmin(admin.ModelAdmin):
    audit_prefix = ""

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        record_audit(f"{self.audit_prefix}.{'updated' if change else 'created'}",
                     actor=request.user, subject=obj,
                     details={"via": "admin", "name": str(obj),
                              "changed": sorted(form.changed_data)})


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 1


@admin.register(Hall)
class HallAdmin(AuditedAdmin):
    audit_prefix = "hall"
    list_display = ("name", "kind", "is_main", "address", "phone", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "address")
    inlines = [OpeningPeriodInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedAdmin):
    audit_prefix = "category"
    list_display = ("hall", "letter", "name", "department", "active")
    list_filter = ("hall", "active")


@admin.register(Window)
class WindowAdmin(AuditedAdmin):
    audit_prefix = "window"
    list_display = ("hall", "number", "name", "kind", "department", "active")
    list_filter = ("hall", "kind", "active")
    filter_horizontal = ("categories", "staff")


@admin.register(WindowShift)
class WindowShiftAdmin(admin.ModelAdmin):
    list_display = ("window", "user", "started_at", "ended_at", "end_reason")
    list_filter = ("window__hall",)
    readonly_fields = ("window", "user", "started_at", "ended_at", "ended_by", "end_reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("code", "hall", "category", "slot_starts", "status", "channel")
    list_filter = ("hall", "status", "channel")
    search_fields = ("code",)
    readonly_fields = [f.name for f in Appointment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DemandPeak)
class DemandPeakAdmin(AuditedAdmin):
    """Known peaks (已知高峰) the tidal-window forecast multiplies in."""

    audit_prefix = "peak"
    list_display = ("hall", "name", "factor", "months", "starts", "ends", "active")
    list_filter = ("hall", "active")
    filter_horizontal = ("categories",)


@admin.register(TidalPlan)
class TidalPlanAdmin(admin.ModelAdmin):
    """Accepted plans are read here; managers accept and withdraw them in the workbench."""

    list_display = ("hall", "day", "accepted_by", "accepted_at", "withdrawn_at")
    list_filter = ("hall",)
    readonly_fields = ("hall", "day", "accepted_by", "accepted_at", "withdrawn_at",
                       "withdrawn_by", "summary")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
