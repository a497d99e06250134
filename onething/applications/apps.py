from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "onething.applications"
    label = "applications"
    verbose_name = "申请与办件"

    def ready(self) -> None:
        from onething.applications import receivers  # noqa: F401  (revocations, identity levels)
        from onething.applications import tasks
        from onething.catalog.signals import calendar_changed

        # Holiday data changed: recompute open cases' due dates (after commit, by the worker).
        calendar_changed.connect(tasks.on_calendar_changed,
                                 dispatch_uid="applications.recompute_due_dates")
