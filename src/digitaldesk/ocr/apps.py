from django.apps import AppConfig


class OcrConfig(AppConfig):
    name = "digitaldesk.ocr"
    label = "ocr"
    verbose_name = "Nhận dạng chữ (OCR)"
