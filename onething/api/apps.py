from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "onething.api"
    label = "api"
    verbose_name = "接口"
