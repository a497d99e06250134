from django.urls import path

from onething.applications import views

app_name = "applications"
urlpatterns = [
    path("materials/<int:material_id>/", views.material_file, name="material"),
]
