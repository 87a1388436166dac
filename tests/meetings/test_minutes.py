"""The minutes (biên bản) as PDF/A-2b, signed by the chair with the signing app.

GIVEN a closed meeting of Phòng 2 WHEN the secretary writes the minutes and the chair signs them
THEN the file is PDF/A-2b before and after signing (the signature is an incremental update) and
the signing app's verification finds one valid signature and no change after it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from digitaldesk.documents.files import read
from digitaldesk.meetings import minutes, services
from digitaldesk.ocr import pdfa
from digitaldesk.signing import services as signing
from digitaldesk.signing.verify import verify_pdf
from tests.meetings.test_meetings import meeting_with_items
from tests.ocr.pdfa_check import assert_pdfa_2b
from tests.signing.conftest import PIN, issued_pkcs12

pytestmark = pytest.mark.django_db


def test_minutes_are_pdfa_2b_and_stay_so_once_signed(org: Any, tmp_path: Path) -> None:
    p = org.people
    chair, secretary = p["tp2"], p["ptp2"]
    signing.demo_ca()
    signing.credential_add_pkcs12(
        actor=chair,
        passphrase=PIN,
        data=issued_pkcs12(chair.full_name, org.units["tinh"].name),
    )
    meeting = meeting_with_items(org)
    services.meeting_open(actor=secretary, meeting=meeting)
    services.meeting_close(actor=secretary, meeting=meeting)

    meeting = minutes.minutes_generate(actor=secretary, meeting=meeting)
    unsigned = read(meeting.minutes_file)
    with pikepdf.open(io.BytesIO(unsigned)) as pdf:
        assert pdfa.why_not_native(pdf) == ""  # reportlab's file needs no Ghostscript pass
        assert "Biên bản" in str(pdf.docinfo.Title)
    (tmp_path / "unsigned.pdf").write_bytes(unsigned)
    assert_pdfa_2b(tmp_path / "unsigned.pdf")

    meeting = minutes.minutes_sign(actor=chair, meeting=meeting, passphrase=PIN)
    signed = read(meeting.minutes_file)
    assert signed.startswith(unsigned)  # an incremental update: the PDF/A bytes are kept
    (tmp_path / "signed.pdf").write_bytes(signed)
    assert_pdfa_2b(tmp_path / "signed.pdf")
    report = verify_pdf(signed)
    assert report.ok, report.summary
    assert len(report.signatures) == 1 and not report.modified_after_last_signature
