"""desk assistant-feedback-export: feedback "chưa đúng" as benchmark questions (docs/assistant.md).

Writes `kind<TAB>question<TAB>article` lines, the columns of `benchmarks/assistant/late.tsv`
(`services.feedback_export`, the same file as the administrator page's download);
`benchmarks.assistant.evaluate` reads `benchmarks/assistant/feedback.tsv` as its `feedback` split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from digitaldesk.assistant.services import feedback_export


class Command(BaseCommand):
    help = (
        "Xuất các phản hồi “chưa đúng” có ghi điều luật đúng thành câu hỏi đánh giá "
        "(định dạng TSV của benchmarks/assistant)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="tệp TSV ghi ra (mặc định: in ra màn hình)")

    def handle(self, *args: Any, **options: Any) -> None:
        text, count = feedback_export(channel="command")
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Đã ghi {count} câu hỏi vào {options['output']}.")
        else:
            self.stdout.write(text, ending="")
