from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "onething.workbench"
    label = "workbench"
    verbose_name = "工作台"

    def ready(self) -> None:
        # Registers the sign-in signal that starts short staff sessions.
        from onething.workbench import security  # noqa: F401
