from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "onething.applications"
    label = "applications"
    verbose_name = "申请与办件"
