"""Form shapes for the workbench. Rules live in the services."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy

from onething.workbench.access import STAFF_ROLES


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("用户名或密码不正确，请重新输入。"),
        "inactive": gettext_lazy("该账号已停用，请联系系统管理员。"),
        "not_staff": gettext_lazy(
            "工作台仅供工作人员登录。申请人请在网上办事大厅用手机号码和验证码登录。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("用户名")
        self.fields["password"].label = gettext_lazy("密码")

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.role not in STAFF_ROLES:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")
