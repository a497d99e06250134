from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "onething.applications"
    label = "applications"
    verbose_name = "申请与办件"

    def ready(self) -> None:
        # receivers: revocations and identity levels (connected on import)
        from onething.applications import receivers, tasks  # noqa: F401
        from onething.catalog.signals import calendar_changed

        # Holiday data changed: recompute open cases' due dates (after commit, by the worker).
        calendar_changed.connect(tasks.on_calendar_changed,
                                 dispatch_uid="applications.recompute_due_dates")
