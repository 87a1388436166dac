"""Demo data: a small digitised case file (scans rendered from the legal texts)."""
from __future__ import annotations

import io
from typing import Any

from digitaldesk.core.demo import DemoOrg, demo_step


@demo_step(order=60)
def demo_casefile(org: DemoOrg, stdout: Any) -> None:
    from digitaldesk.casefiles import services
    from digitaldesk.casefiles.models import CaseFile
    from digitaldesk.cases.models import Case
    from digitaldesk.ocr.samples import sample_pages

    minh = org.people.get("minh")
    case = Case.objects.filter(unit=org.units.get("tinh_p2")).order_by("pk").first() if org.units.get("tinh_p2") \
        else None
    if minh is None or case is None or CaseFile.objects.filter(case=case).exists():
        return
    casefile = services.casefile_create(actor=minh, case=case, title="Hồ sơ vụ án (bản số hóa mẫu)")
    pages = [p.image for p in sample_pages(6, seed=7, headers=True)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=300, save_all=True, append_images=pages[1:], quality=85)
    size = buffer.tell()
    buffer.seek(0)
    services.upload_file(actor=minh, casefile=casefile, volume=None, fileobj=buffer, name="tap-1-ban-quet.pdf",
                         size=size)
    stdout.write(f"  Hồ sơ số hóa mẫu: {casefile.title} ({case.name}), 6 trang đang chờ nhận dạng.\n")
