from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "onething.applications"
    label = "applications"
    verbose_name = "申请与办件"

    def ready(self) -> None:
        from onething.applications import receivers  # noqa: F401  (revocations, identity levels)
