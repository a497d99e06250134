"""Admin for halls, categories and windows (administrators; managers use the workbench).

Edits here skip the services' form checks but not the database's constraints (one main
hall, one open shift per window and person, letters A–Z …); each save is recorded in the
audit trail like the workbench's. Shifts, appointments and tickets are read-only: they
change through their services only; a ticket shows its masked name (张*) and masked
mobile, never its token (the secret in its address) or its holder's account.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from onething.audit.services import record_audit
from onething.domain.validators import mask_mobile
from onething.hall.models import (
    Appointment,
    DemandPeak,
    Hall,
    OpeningPeriod,
    ServiceCategory,
    Ticket,
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


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("code_display", "hall", "category", "day", "taken_at", "channel",
                    "priority", "status", "window", "called_at", "served_ended_at",
                    "holder_name", "mobile_masked")
    list_filter = ("hall", "category", "status", "day", "channel", "priority")
    date_hierarchy = "day"
    list_select_related = ("hall", "category", "window", "window__hall")
    ordering = ("-day", "-taken_at", "-pk")
    fields = ("code_display", "hall", "category", "day", "taken_at", "channel", "priority",
              "status", "for_window", "window", "called_by", "called_at", "last_called_at",
              "calls", "served_started_at", "served_ended_at", "ended_at", "application",
              "holder_name", "mobile_masked", "issued_by", "transferred_from")
    readonly_fields = fields
    show_full_result_count = False  # a year of a busy hall: no COUNT(*) on every page

    @admin.display(description="号码", ordering="number")
    def code_display(self, obj: Ticket) -> str:
        return obj.code

    @admin.display(description="手机号（短信提醒）")
    def mobile_masked(self, obj: Ticket) -> str:
        return mask_mobile(obj.mobile) if obj.mobile else ""

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
