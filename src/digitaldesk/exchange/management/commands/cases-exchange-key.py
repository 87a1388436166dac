"""desk cases-exchange-key: keys that sign case exchange packages (docs/exchange.md).

desk cases-exchange-key show --unit 12        # print the unit's public key (to give to partners)
desk cases-exchange-key trust partner.pem --label "VKSND tỉnh Bình An"
desk cases-exchange-key list
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Khóa ký gói hồ sơ liên thông: xem khóa công khai của đơn vị, tin cậy khóa của đơn vị "
        "khác, liệt kê."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["show", "trust", "list"])
        parser.add_argument("pem", nargs="?", help="tệp khóa công khai PEM (với trust)")
        parser.add_argument("--unit", type=int, help="mã đơn vị (với show)")
        parser.add_argument(
            "--label", default="", help="tên đơn vị, cơ quan sở hữu khóa (với trust)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from digitaldesk.accounts.models import Unit
        from digitaldesk.cases.models import ExchangeKey
        from digitaldesk.exchange import services as exchange

        action = options["action"]
        if action == "show":
            unit = Unit.objects.filter(pk=options["unit"]).first()
            if unit is None:
                raise CommandError("Không tìm thấy đơn vị (--unit).")
            key = exchange.local_key_get_or_create(unit)
            self.stdout.write(f"# {key.label} — SHA-256 {key.fingerprint}")
            self.stdout.write(key.public_pem.strip())
        elif action == "trust":
            if not options["pem"] or not options["label"].strip():
                raise CommandError("Cần tệp PEM và --label.")
            try:
                key = exchange.key_trust(
                    actor=None,
                    public_pem=Path(options["pem"]).read_text(encoding="utf-8"),
                    label=options["label"].strip(),
                )
            except (OSError, ValidationError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Đã tin cậy khóa của {key.label} (SHA-256 {key.fingerprint}).")
        else:
            for key in ExchangeKey.objects.order_by("label"):
                kind = (
                    "khóa của đơn vị này"
                    if key.private_sealed
                    else ("tin cậy" if key.trusted else "chưa tin cậy")
                )
                self.stdout.write(f"{key.fingerprint}  {kind:<20}  {key.label}")
