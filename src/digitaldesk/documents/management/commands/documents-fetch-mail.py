"""desk documents-fetch-mail: read the agency's e-mail inbox once (DESK_DOCS_IMAP_*)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Đọc hộp thư của cơ quan một lần, đưa tệp đính kèm vào danh sách chờ vào sổ."

    def handle(self, *args: Any, **options: Any) -> None:
        from digitaldesk.documents import mail

        config = mail.imap_config()
        if config is None:
            raise CommandError("Chưa cấu hình DESK_DOCS_IMAP_HOST.")
        counts = mail.fetch(config)
        self.stdout.write(
            f"Đã đọc {counts['messages']} thư: {counts['attachments']} tệp chờ vào sổ, "
            f"{counts['refused']} tệp bị từ chối."
        )
