from django.apps import AppConfig


class OpsConfig(AppConfig):
    """The node as a whole (运维): what looks across every app. Nothing imports it."""

    name = "onething.ops"
    label = "ops"
    verbose_name = "运维"

    def ready(self) -> None:
        from onething.ops import checks  # noqa: F401  (registers the deploy checks)
