from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "digitaldesk.exchange"
    label = "exchange"
    verbose_name = "Liên thông hồ sơ vụ án"
