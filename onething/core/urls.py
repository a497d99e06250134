from django.urls import path

from onething.core import metrics, preferences, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("preferences/language/", preferences.set_language, name="set-language"),
    path("preferences/elder/", preferences.set_elder_mode, name="set-elder-mode"),
]
