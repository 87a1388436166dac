"""The text of an uploaded amending law: DOCX (python-docx) or PDF with a text layer (pdftotext)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile

from django.core.exceptions import ValidationError

MAX_BYTES = 20 * 1024 * 1024


def law_text(name: str, data: bytes) -> str:
    """The text, one paragraph per line (ValidationError, in Vietnamese, for a bad file)."""
    if len(data) > MAX_BYTES:
        raise ValidationError("Tệp quá lớn (tối đa 20 MB).")
    lower = name.lower()
    if lower.endswith(".docx"):
        return _docx(data)
    if lower.endswith(".pdf"):
        return _pdf(data)
    raise ValidationError("Chỉ nhận văn bản luật dạng DOCX hoặc PDF (bản công bố chính thức).")


def _docx(data: bytes) -> str:
    import docx  # python-docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ValidationError("Không đọc được tệp DOCX (tệp hỏng hoặc không phải DOCX).") from error
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def _pdf(data: bytes) -> str:
    if not data.startswith(b"%PDF"):
        raise ValidationError("Tệp không phải PDF.")
    command = shutil.which("pdftotext")
    if command is None:
        raise ValidationError("Máy chủ thiếu pdftotext: không đọc được văn bản PDF.")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run(  # noqa: S603  (our own argument list, no shell)
            [command, "-enc", "UTF-8", "-q", handle.name, "-"],
            capture_output=True,
            timeout=120,
            check=False,
        )
    text = result.stdout.decode("utf-8", "replace")
    if result.returncode != 0 or not text.strip():
        raise ValidationError(
            "Không đọc được lớp chữ của tệp PDF (bản quét không có lớp chữ?): hãy tải bản DOCX."
        )
    return _rejoin_wrapped(text)


# An article heading ("Điều 2. Hiệu lực thi hành") is one line: nothing joins it.
_HEADING = re.compile(r"^[“\"]?Điều \d+[a-zđ]?\.")
# A line that starts a unit of the text (never the continuation of the line before it).
_STARTS_UNIT = re.compile(
    r"^(Điều \d+[a-zđ]?\.|\d+\.\s|[a-zđ]\)\s|[“\"(]|Chương |Mục |Luật số|Căn cứ |[^,]+, ngày \d)"
)


def _rejoin_wrapped(text: str) -> str:
    """pdftotext breaks a paragraph at each printed line: join a line to the one before it
    unless that one ends a sentence or clause or is a heading (in capitals, or an article's),
    or this line starts a unit (Điều, khoản, điểm, a quotation), so PDF paragraphs read as
    the DOCX ones do."""
    out: list[str] = []
    for raw in text.replace("\f", "\n").splitlines():
        line = raw.strip()
        previous = out[-1] if out else ""
        if (
            line
            and previous
            and previous[-1] not in '.;:!?”")»'
            and not previous.isupper()
            and not _HEADING.match(previous)
            and not _STARTS_UNIT.match(line)
        ):
            out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return "\n".join(out)
