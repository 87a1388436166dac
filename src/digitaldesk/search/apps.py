from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "digitaldesk.search"
    label = "search"
    verbose_name = "Tìm kiếm toàn văn"
