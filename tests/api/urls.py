"""Only the API, so these tests do not depend on the other apps' URLs."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("onething.api.urls"))]
