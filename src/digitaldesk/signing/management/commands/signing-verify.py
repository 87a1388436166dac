"""desk signing-verify FILE.pdf: verify the signatures of a PDF from the command line (audited)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digitaldesk.signing import services
from digitaldesk.signing.errors import SigningError


class Command(BaseCommand):
    help = "Kiểm tra chữ ký số của một tệp PDF (in kết quả; --json để in toàn bộ báo cáo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
            report, _ = services.verify_and_audit(actor=None, data=data, filename=path.name)
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc}") from exc
        except SigningError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(report.summary)
            for index, sig in enumerate(report.signatures, start=1):
                self.stdout.write(
                    f"  {index}. {sig.signer_name} [{sig.field_name}] {sig.pades_level}: "
                    f"{sig.summary}"
                )
        if not report.ok:
            raise SystemExit(1)
