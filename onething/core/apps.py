from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onething.core"
    label = "core"
    verbose_name = "平台"
