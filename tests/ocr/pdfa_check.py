"""The repo's PDF/A-2b check of a whole file (used by the OCR and the meeting-minutes tests)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf


def assert_pdfa_2b(path: Path) -> None:
    """What PDF/A-2b asks of the file as a whole: an RGB output intent with its ICC profile,
    XMP metadata (unfiltered) naming part 2 level B and agreeing with the document
    information, a file identifier, every font embedded."""
    with pikepdf.open(path) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3 and profile.read_bytes()[36:40] == b"acsp"
        assert "/Filter" not in pdf.Root.Metadata
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "2B"
        if "/Producer" in pdf.docinfo:
            assert meta["pdf:Producer"] == str(pdf.docinfo.Producer)
        assert len(pdf.trailer.ID) == 2
    fonts = subprocess.run(  # noqa: S603  (fixed argv)
        ["pdffonts", str(path)],  # noqa: S607  (a Debian tool on PATH)
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts
