from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "digitaldesk.documents"
    label = "documents"
    verbose_name = "Văn bản và điều hành"
