from django.apps import AppConfig


class KioskConfig(AppConfig):
    name = "onething.kiosk"
    label = "kiosk"
    verbose_name = "24小时自助终端"
