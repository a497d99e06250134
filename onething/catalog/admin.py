"""The catalogue in the Django admin (Chinese): browse and edit every entry.

Edits here take effect at once. The YAML under ``catalog/`` stays the
reviewed source: ``onething catalog load`` re-applies an entry only when its
YAML changes, and ``--force`` re-applies everything.
"""

from django.contrib import admin

from onething.catalog import models

admin.site.site_header = "onething 一件事 管理后台"
admin.site.site_title = "onething 管理后台"
admin.site.index_title = "目录与系统管理"


class MatterMaterialInline(admin.TabularInline):
    model = models.MatterMaterial
    extra = 0
    autocomplete_fields = ["material"]


class MatterFieldInline(admin.TabularInline):
    model = models.MatterField
    extra = 0
    autocomplete_fields = ["field"]


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["code", "name", "short_name"]


@admin.register(models.CertificateType)
class CertificateTypeAdmin(admin.ModelAdmin):
    list_display = ["key", "name"]
    search_fields = ["key", "name"]


@admin.register(models.Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "certificate"]
    search_fields = ["key", "name"]
    list_filter = ["certificate"]


@admin.register(models.FieldDefinition)
class FieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "type"]
    list_filter = ["type"]
    search_fields = ["key", "label"]


@admin.register(models.Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "department", "promised_days", "promised_unit",
                    "statutory_days", "statutory_unit"]
    list_filter = ["kind", "department", "cross_region", "online_depth"]
    search_fields = ["code", "name", "description"]
    inlines = [MatterMaterialInline, MatterFieldInline]
    readonly_fields = ["source_file", "updated_at"]


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
class BundleAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "category", "lead_department", "batch", "status"]
    list_filter = ["category", "status", "batch"]
    search_fields = ["slug", "name", "description"]
    inlines = [BundleMemberInline, QuestionInline, ConditionInline, DependencyInline,
               FieldMappingInline]
    readonly_fields = ["source_file", "updated_at"]


class OptionInline(admin.TabularInline):
    model = models.Option
    extra = 0


@admin.register(models.Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["bundle", "key", "text"]
    list_filter = ["bundle"]
    inlines = [OptionInline]


@admin.register(models.Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "bundle"]
    search_fields = ["slug", "title"]


@admin.register(models.HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source"]


@admin.register(models.CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "name", "from_catalog"]
    list_filter = ["is_working_day", "from_catalog"]
    date_hierarchy = "date"
