from django.urls import path

from onething.core import preferences

urlpatterns = [
    path("preferences/language/", preferences.set_language, name="set-language"),
    path("preferences/elder/", preferences.set_elder_mode, name="set-elder-mode"),
]
