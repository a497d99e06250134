from django.apps import AppConfig


class AccessibilityConfig(AppConfig):
    name = "onething.accessibility"
    verbose_name = "无障碍（盲文版、大字版）"

    def ready(self) -> None:
        from onething.accessibility import receivers  # noqa: F401 (connects on import)
