"""Demo data: a small digitised case file (scans rendered from the legal texts) of the case at
trial today (cases/demo.py, `build_trial`), with the presentation playlist prepared for today's
hearing; without that case, of the first case of Phòng 2."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone

from digitaldesk.core.demo import DemoOrg, demo_step

PLAYLIST_TITLE = "Chứng cứ trình chiếu tại phiên tòa sơ thẩm"
PLAYLIST_BUT_LUC = [1, 3, 5]


@demo_step(order=60)
def demo_casefile(org: DemoOrg, stdout: Any) -> None:
    from digitaldesk.casefiles import processing, services
    from digitaldesk.casefiles.models import CaseFile, UploadState
    from digitaldesk.cases.demo import TRIAL_CASE
    from digitaldesk.cases.models import Case
    from digitaldesk.ocr.samples import sample_pages

    minh = org.people.get("minh")
    unit = org.units.get("tinh_p2")
    case = (
        (
            Case.objects.filter(unit=unit, name=TRIAL_CASE).first()
            or Case.objects.filter(unit=unit).order_by("pk").first()
        )
        if unit
        else None
    )
    if minh is None or case is None or CaseFile.objects.filter(case=case).exists():
        return
    casefile = services.casefile_create(actor=minh, case=case, title="Hồ sơ vụ án (bản số hóa mẫu)")
    pages = [p.image for p in sample_pages(6, seed=7, headers=True)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=300, save_all=True, append_images=pages[1:], quality=85)
    size = buffer.tell()
    buffer.seek(0)
    upload = services.upload_file(
        actor=minh,
        casefile=casefile,
        volume=None,
        fileobj=buffer,
        name="tap-1-ban-quet.pdf",
        size=size,
    )
    stdout.write(
        f"  Hồ sơ số hóa mẫu: {casefile.title} ({case.name}), 6 trang đang chờ nhận dạng.\n"
    )
    if case.name != TRIAL_CASE or upload.state != UploadState.QUEUED:
        return
    # The pages get their bút lục now rather than when the worker's readers start (which then
    # find them and only read: `prepare` is idempotent), so that the hearing's playlist can name
    # them; the upload already queued the readers, so none is queued here.
    processing.prepare(upload.pk, readers=0)
    services.playlist_create(
        actor=minh,
        casefile=casefile,
        title=PLAYLIST_TITLE,
        but_luc=PLAYLIST_BUT_LUC,
        hearing_date=timezone.localdate(),
    )
    stdout.write(
        f"  Danh sách trình chiếu “{PLAYLIST_TITLE}” (bút lục "
        f"{', '.join(map(str, PLAYLIST_BUT_LUC))}) cho phiên tòa hôm nay.\n"
    )
