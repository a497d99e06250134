from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "onething.payments"
    label = "payments"
    verbose_name = "缴费"
