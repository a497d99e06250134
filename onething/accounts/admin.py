"""Admin for people and API tokens. Token hashes are never shown; tokens are issued with
``onething token issue`` (the raw value is shown once) and revoked here or there."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm

from onething.accounts.models import STAFF_ROLE_VALUES, ApiToken, Role, User
from onething.accounts.services import revoke_api_token


class StaffCreationForm(UserCreationForm):
    """The admin adds staff only (applicants register themselves with a mobile number)."""

    role = forms.ChoiceField(label="角色", choices=[(r.value, r.label) for r in Role
                                                    if r.value in STAFF_ROLE_VALUES])

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "role", "department", "real_name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.REVIEWER and not cleaned.get("department"):
            self.add_error("department", "审批人员必须属于一个部门 (a reviewer needs a department)")
        return cleaned

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.is_staff = user.role in {Role.MANAGER, Role.ADMIN}
        user.is_superuser = user.role == Role.ADMIN
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = StaffCreationForm
    add_fieldsets = ((None, {"classes": ("wide",),
                             "fields": ("username", "role", "department", "real_name",
                                        "password1", "password2")}),)
    list_display = ("username", "display_name", "role", "department", "is_active")
    list_filter = ("role", "is_active", "department")
    search_fields = ("username", "real_name", "company_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份 (identity)", {"fields": ("role", "department", "real_name", "applicant_kind",
                                      "company_name", "email")}),
        ("权限 (permissions)", {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                         "user_permissions")}),
        ("时间 (dates)", {"fields": ("last_login", "date_joined")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "label", "scopes", "created_at", "expires_at",
                    "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "label")
    fields = ("user", "label", "scopes", "created_at", "expires_at", "last_used_at",
              "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:  # issued by `onething token issue`
        return False

    @admin.action(description="吊销 (revoke)")
    def revoke(self, request, queryset) -> None:
        revoked = sum(revoke_api_token(token, actor=request.user) for token in queryset)
        self.message_user(request, f"已吊销 {revoked} 个令牌 ({revoked} revoked)",
                          messages.SUCCESS)
