from django.urls import path

from onething.workbench import identity, registers, security, views, window

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
]
