"""Form shapes for the workbench. Rules live in the services."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext, gettext_lazy

from onething.catalog.translation import localized
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


# -- staff management (the rules are in onething.accounts.staff) -----------------------------


def _role_choices(viewer) -> list[tuple[str, str]]:
    """Staff roles the viewer may give: a manager cannot make an administrator."""
    from onething.accounts.choices import STAFF_ROLE_VALUES, Role
    from onething.workbench.labels import label

    return [(role, label("role", role)) for role in STAFF_ROLE_VALUES
            if not (viewer.role == Role.MANAGER and role == Role.ADMIN)]


class WindowChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        from onething.hall.labels import window_label

        return window_label(obj)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{localized(obj, 'name')} {obj.code}"


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return localized(obj, "name")


class StaffForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=40,
                               help_text=gettext_lazy(
                                   "登录用，3至40个字母、数字或 . _ -，创建后不能修改。"))
    real_name = forms.CharField(label=gettext_lazy("姓名"), max_length=100)
    role = forms.ChoiceField(label=gettext_lazy("角色"))
    department = DepartmentChoiceField(label=gettext_lazy("所属部门"), queryset=None,
                                       required=False, empty_label=gettext_lazy("（无）"),
                                       help_text=gettext_lazy(
                                           "部门审批人员必须选择；专业窗口人员可选。"))
    email = forms.CharField(label=gettext_lazy("电子邮箱"), max_length=254, required=False)
    windows = WindowChoiceField(label=gettext_lazy("安排的窗口"), queryset=None, required=False,
                                widget=forms.CheckboxSelectMultiple,
                                help_text=gettext_lazy(
                                    "窗口工作人员、帮办代办员只能在安排的窗口上岗；不安排则可在任一窗口上岗。"))

    def __init__(self, *args, viewer, departments, windows, creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(viewer)
        self.fields["department"].queryset = departments
        self.fields["windows"].queryset = windows
        if not creating:
            del self.fields["username"]
        self.fields["username" if creating else "real_name"].widget.attrs["autocomplete"] = "off"
        self.fields["real_name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=gettext_lazy("当前密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new = forms.CharField(label=gettext_lazy("新密码"), strip=False,
                          help_text=gettext_lazy("至少10个字符，不能全是数字，不能与用户名相近或过于常见。"),
                          widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    again = forms.CharField(label=gettext_lazy("再次输入新密码"), strip=False,
                            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


# -- halls, categories and windows (the rules are in onething.hall.services) -----------------


def _hall_label_choices(kind: str) -> list[tuple[str, str]]:
    from onething.hall.labels import LABELS

    return [(value, str(text)) for value, text in LABELS[kind].items()]


class HallForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    slug = forms.CharField(label=gettext_lazy("网址标识"), max_length=50,
                           help_text=gettext_lazy(
                               "小写英文字母、数字和连字符，如 decheng-centre；用于网址和搜索。"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"))
    region = RegionChoiceField(label=gettext_lazy("行政区划"), queryset=None, empty_label=None)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200)
    map_url = forms.CharField(label=gettext_lazy("地图链接"), max_length=500, required=False,
                              help_text=gettext_lazy("地图网站上该地址的链接，以 https:// 开头。"))
    phone = forms.CharField(label=gettext_lazy("咨询电话"), max_length=50)
    bus_lines = forms.CharField(label=gettext_lazy("公交线路"), max_length=300, required=False)
    accessible_entrance = forms.CharField(
        label=gettext_lazy("无障碍通道"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("无障碍入口的位置、坡道、电梯、无障碍卫生间、轮椅借用等。"))
    hours_note = forms.CharField(
        label=gettext_lazy("办公时间说明"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("法定节假日安排、延时服务和预约服务办理的事项等。"))
    is_main = forms.BooleanField(
        label=gettext_lazy("设为主办事大厅（门户页脚和网上申请的回执显示它）"), required=False)
    active = forms.BooleanField(label=gettext_lazy("启用（在门户公布）"), required=False)
    order = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, max_value=999,
                               required=False)
    priority_run = forms.IntegerField(
        label=gettext_lazy("连续优先叫号上限"), min_value=1, max_value=20, required=False,
        help_text=gettext_lazy("叫号时连续叫这么多个绿色通道或预约号后，等候20分钟以上的普通号"
                               "先叫，不让普通号一直等下去。默认3。"))
    # Appointments (预约设置).
    appointment_slot_minutes = forms.TypedChoiceField(
        label=gettext_lazy("预约时段长度（分钟）"), coerce=int, required=False, empty_value=None,
        choices=[(n, str(n)) for n in (15, 20, 30, 60)],
        help_text=gettext_lazy("还有未到的预约时不能修改。默认30。"))
    appointment_percent = forms.IntegerField(
        label=gettext_lazy("预约名额占比（%）"), required=False, min_value=0, max_value=100,
        help_text=gettext_lazy("各时段办理能力中留给预约的比例，其余留给现场取号；"
                               "预约服务时段全部用于预约。默认30。"))
    appointment_horizon_days = forms.IntegerField(
        label=gettext_lazy("可预约天数"), required=False, min_value=0, max_value=60,
        help_text=gettext_lazy("最多可以预约今后多少天（今天算第0天）。默认7。"))
    appointment_cutoff_minutes = forms.IntegerField(
        label=gettext_lazy("最晚提前预约（分钟）"), required=False, min_value=0, max_value=1440,
        help_text=gettext_lazy("时段开始前多少分钟停止预约。默认60。"))
    no_show_limit = forms.IntegerField(
        label=gettext_lazy("爽约次数上限"), required=False, min_value=1, max_value=20,
        help_text=gettext_lazy("统计天数内爽约达到这个次数，暂停预约。默认3。"))
    no_show_window_days = forms.IntegerField(
        label=gettext_lazy("爽约统计天数"), required=False, min_value=1, max_value=365,
        help_text=gettext_lazy("默认90。"))
    no_show_pause_days = forms.IntegerField(
        label=gettext_lazy("暂停预约天数"), required=False, min_value=1, max_value=365,
        help_text=gettext_lazy("从第几次爽约的那天算起。默认30。"))
    # The service target (服务目标).
    target_wait_minutes = forms.IntegerField(
        label=gettext_lazy("目标等候时间（分钟）"), required=False, min_value=1, max_value=240,
        help_text=gettext_lazy("取号后在这个时间内被叫号算达标；运行数据和潮汐窗口计划都用它。"
                               "默认15。"))
    service_level_percent = forms.IntegerField(
        label=gettext_lazy("服务水平目标（%）"), required=False, min_value=50, max_value=99,
        help_text=gettext_lazy("在目标等候时间内被叫号的人应占的比例，潮汐窗口计划按它安排"
                               "窗口。默认80。"))

    APPOINTMENT_FIELDS = ("priority_run", "appointment_slot_minutes", "appointment_percent",
                          "appointment_horizon_days", "appointment_cutoff_minutes",
                          "no_show_limit", "no_show_window_days", "no_show_pause_days")
    TARGET_FIELDS = ("target_wait_minutes", "service_level_percent")

    def __init__(self, *args, regions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _hall_label_choices("hall_kind")
        self.fields["region"].queryset = regions
        for name in ("name", "slug", "address", "map_url", "phone", "bus_lines"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def profile_fields(self) -> list:
        return [self[n] for n in self.fields
                if n not in self.APPOINTMENT_FIELDS and n not in self.TARGET_FIELDS]

    def appointment_fields(self) -> list:
        return [self[n] for n in self.APPOINTMENT_FIELDS]

    def target_fields(self) -> list:
        return [self[n] for n in self.TARGET_FIELDS]


def _weekday_choices() -> list[tuple[str, str]]:
    return [("", "—"), *_hall_label_choices("weekday")]


class ScheduleRowForm(forms.Form):
    """One line of the weekly schedule: weekdays first..last, from starts to ends."""

    first = forms.TypedChoiceField(label=gettext_lazy("从"), coerce=int, required=False,
                                   empty_value=None)
    last = forms.TypedChoiceField(label=gettext_lazy("至"), coerce=int, required=False,
                                  empty_value=None)
    starts = forms.TimeField(label=gettext_lazy("开始"), required=False,
                             widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends = forms.TimeField(label=gettext_lazy("结束"), required=False,
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    service = forms.ChoiceField(label=gettext_lazy("服务"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first"].choices = _weekday_choices()
        self.fields["last"].choices = _weekday_choices()
        self.fields["service"].choices = _hall_label_choices("service_kind")

    def clean(self):
        cleaned = super().clean()
        given = [cleaned.get(k) not in (None, "") for k in ("first", "last", "starts", "ends")]
        if any(given) and not all(given):
            raise forms.ValidationError(
                gettext("请把这一行填写完整（星期、开始和结束时间），或全部清空。"))
        cleaned["empty"] = not any(given)
        return cleaned


ScheduleFormSet = forms.formset_factory(ScheduleRowForm, extra=3, max_num=30,
                                        validate_max=True)


class CategoryForm(forms.Form):
    letter = forms.CharField(label=gettext_lazy("取号字母"), max_length=1,
                             help_text=gettext_lazy("一个英文大写字母，号票以它开头，如 A012。"))
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50)
    description = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    department = DepartmentChoiceField(label=gettext_lazy("对应部门"), queryset=None,
                                       required=False, empty_label=gettext_lazy("（不限部门）"))
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False)
    order = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, max_value=999,
                               required=False)
    handling_minutes = forms.IntegerField(
        label=gettext_lazy("平均办理时长（分钟）"), required=False, min_value=1, max_value=240,
        help_text=gettext_lazy("窗口为一个人办理所需的计划时间，可预约名额由它算出。默认15。"))
    bookable = forms.BooleanField(label=gettext_lazy("可网上预约"), required=False)

    def __init__(self, *args, departments, prefix: str = "category", **kwargs) -> None:
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["department"].queryset = departments
        for name in ("letter", "name", "description"):
            self.fields[name].widget.attrs["autocomplete"] = "off"


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.letter} {obj.name}"


class WindowForm(forms.Form):
    number = forms.IntegerField(label=gettext_lazy("窗口号"), min_value=1, max_value=999)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50, required=False,
                           help_text=gettext_lazy("如“社保医保”；不填则只显示窗口号。"))
    kind = forms.ChoiceField(label=gettext_lazy("窗口类型"))
    department = DepartmentChoiceField(label=gettext_lazy("所属部门（专业窗口必选）"),
                                       queryset=None, required=False,
                                       empty_label=gettext_lazy("（无）"))
    categories = CategoryChoiceField(label=gettext_lazy("服务的取号类别"), queryset=None,
                                     required=False, widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False)

    def __init__(self, *args, departments, categories, prefix: str = "window", **kwargs) -> None:
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["kind"].choices = _hall_label_choices("window_kind")
        self.fields["department"].queryset = departments
        self.fields["categories"].queryset = categories
        self.fields["name"].widget.attrs["autocomplete"] = "off"


class PeakForm(forms.Form):
    """A known peak of a hall (已知高峰) for the tidal-window forecast."""

    name = forms.CharField(label=gettext_lazy("名称"), max_length=30,
                           help_text=gettext_lazy("如“入学”“年底社保缴费”"))
    factor = forms.DecimalField(label=gettext_lazy("高峰系数"), min_value=0.1, max_value=20,
                                decimal_places=2,
                                help_text=gettext_lazy("平日人数的倍数，如 3.5"))
    months = forms.CharField(label=gettext_lazy("月份"), max_length=40, required=False,
                             help_text=gettext_lazy("逗号分隔，如“7,8”；或填写下面的起止日期"))
    starts = forms.DateField(label=gettext_lazy("开始日期"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(label=gettext_lazy("结束日期"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    categories = CategoryChoiceField(
        label=gettext_lazy("适用的取号类别"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选则适用于全部类别"))

    def __init__(self, *args, categories, **kwargs) -> None:
        super().__init__(*args, prefix="peak", **kwargs)
        self.fields["categories"].queryset = categories
