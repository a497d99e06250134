from django.urls import path

from onething.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("bundles/<slug:slug>/", views.bundle_detail, name="bundle"),
]
