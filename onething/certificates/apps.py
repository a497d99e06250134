from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "onething.certificates"
    label = "certificates"
    verbose_name = "电子证照"

    def ready(self) -> None:
        from onething.certificates import checks  # noqa: F401  (registers the deploy check)
