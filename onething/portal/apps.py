from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "onething.portal"
    label = "portal"
    verbose_name = "办事门户"
