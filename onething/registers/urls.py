from django.urls import path

from onething.registers import views

app_name = "registers"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:register>/", views.load, name="load"),
]
