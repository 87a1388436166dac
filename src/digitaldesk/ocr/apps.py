from django.apps import AppConfig


class OcrConfig(AppConfig):
    name = "digitaldesk.ocr"
    label = "ocr"
    verbose_name = "Nhận dạng chữ (OCR)"

    def ready(self) -> None:
        from digitaldesk.ocr import checks, jobs  # noqa: F401
