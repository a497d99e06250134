from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "onething.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from onething.audit import receivers  # noqa: F401  (sign-in and token signals)
