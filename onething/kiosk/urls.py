from django.urls import path

from onething.kiosk import tickets, views

app_name = "kiosk"
urlpatterns = [
    path("", views.start, name="start"),
    path("identify/", views.identify, name="identify"),
    path("code/", views.code, name="code"),
    path("menu/", views.menu, name="menu"),
    path("certificates/<slug:slug>/", views.instant, name="instant"),
    path("pay/", views.pay, name="pay"),
    path("real-estate/", views.real_estate, name="real-estate"),
    path("finish/", views.finish, name="finish"),
    path("ticket/", tickets.ticket_take, name="ticket-take"),
    path("ticket/<str:token>/", tickets.ticket, name="ticket"),
    path("appointment/", tickets.appointment_check_in, name="appointment-check-in"),
]
