from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "onething.registers"
    label = "registers"
    verbose_name = "共享数据（部门数据库）"
