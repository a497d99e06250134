from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "onething.search"
    label = "search"
    verbose_name = "搜索"
