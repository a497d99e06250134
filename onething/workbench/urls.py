from django.urls import path

from onething.workbench import (
    desk,
    hall_figures,
    halls,
    identity,
    registers,
    security,
    staff,
    views,
    window,
)

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", security.otp_view, name="otp"),
    path("queue/", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("certificates/<str:number>/revoke/", views.revoke_certificate,
         name="certificate-revoke"),
    path("identity/", identity.identity, name="identity"),
    path("window/", window.choose_bundle, name="window"),
    path("window/<slug:slug>/", window.answer_questions, name="window-questions"),
    path("window/<slug:slug>/applicant/", window.identify_applicant, name="window-applicant"),
    path("window/<slug:slug>/form/", window.fill_form, name="window-form"),
    path("applications/<int:application_id>/receipt/", window.receipt, name="receipt"),
    path("registers/", registers.index, name="registers"),
    path("registers/<slug:register>/", registers.load, name="register-load"),
    # Staff management (managers) and one's own password
    path("staff/", staff.staff_list, name="staff"),
    path("staff/new/", staff.staff_add, name="staff-add"),
    path("staff/<int:user_id>/", staff.staff_edit, name="staff-edit"),
    path("staff/<int:user_id>/status/", staff.staff_status, name="staff-status"),
    path("staff/<int:user_id>/reset-password/", staff.staff_reset_password,
         name="staff-reset-password"),
    path("password/", staff.change_password, name="password"),
    # Halls, their ticket categories and windows (managers); the window shift (clerks)
    path("halls/", halls.hall_list, name="halls"),
    path("halls/new/", halls.hall_edit, name="hall-add"),
    path("halls/<int:hall_id>/", halls.hall_edit, name="hall-edit"),
    path("halls/<int:hall_id>/windows/", halls.hall_windows, name="hall-windows"),
    path("halls/<int:hall_id>/figures/", hall_figures.figures, name="hall-figures"),
    path("halls/<int:hall_id>/categories/<int:category_id>/", halls.category_edit,
         name="category-edit"),
    path("halls/<int:hall_id>/windows/<int:window_id>/", halls.window_edit,
         name="window-edit"),
    path("shift/", halls.shift, name="shift"),
    path("shift/start/", halls.shift_start, name="shift-start"),
    path("shift/end/", halls.shift_end, name="shift-end"),
    path("shifts/<int:shift_id>/end/", halls.shift_close, name="shift-close"),
    # Tickets at the window (叫号) and printed at the door (导办台出票)
    path("desk/", desk.desk, name="desk"),
    path("desk/action/", desk.desk_action, name="desk-action"),
    path("halls/<int:hall_id>/door-ticket/", desk.door_ticket, name="door-ticket"),
]
