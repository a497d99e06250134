from django.apps import AppConfig


class AccessibilityConfig(AppConfig):
    name = "onething.accessibility"
    verbose_name = "无障碍（盲文版、大字版）"
