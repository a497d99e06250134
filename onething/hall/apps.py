from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "onething.hall"
    label = "hall"
    verbose_name = "办事大厅"

    def ready(self) -> None:
        from onething.hall import receivers  # noqa: F401  (shifts end with sign-out, disabling)
