"""PDF/A-2b for the searchable copies (docs/ocr.md, "Searchable PDF/A").

A searchable copy of a scan is made of two kinds of page content only: the scanned
image (as the scanner wrote it, or as Tesseract embedded it for an image file) and
Tesseract's invisible text layer (its GlyphLessFont, embedded, widths matching the
font program). Such a file needs nothing of Ghostscript's rewriting to be PDF/A-2b;
it needs what PDF/A asks of every file: an output intent (an sRGB ICC profile, which
makes DeviceGray and DeviceRGB images device-independent), XMP metadata that says
"PDF/A-2B" and agrees with the document information, and a file identifier (qpdf
always writes one). `why_not_native` checks, object by object, that the file holds
nothing else (no transparency, no LZW, no unembedded font, no annotations, no
actions, only plain content operators); `finish` then adds the intent and metadata.

Any other file (a born-digital PDF with its own fonts, forms, transparency…) goes
through Ghostscript's `pdfwrite -dPDFA=2` as before, and gets the same output intent
afterwards when Ghostscript left none. Measured (docs/ocr.md): Ghostscript spent
0.36 s of CPU per page re-embedding the text layers, about an eighth of the page's
recognition; the check and the metadata here cost a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import subprocess
from pathlib import Path

import pikepdf
from pikepdf import Name

SRGB_NAME = "sRGB IEC61966-2.1"
_SRGB_CANDIDATES = [
    "/usr/share/color/icc/ghostscript/srgb.icc",  # Debian ghostscript (a dependency already)
    "/usr/share/ghostscript/*/iccprofiles/srgb.icc",
    "/usr/share/color/icc/sRGB.icc",
]

# Content operators a scan page or a Tesseract text layer may use: graphics state
# without ExtGState, paths and clipping, DeviceGray/DeviceRGB colour, text, XObjects.
_OPERATORS = frozenset(
    [
        "q",
        "Q",
        "cm",
        "w",
        "J",
        "j",
        "M",
        "d",
        "i",
        "ri",
        "m",
        "l",
        "c",
        "v",
        "y",
        "h",
        "re",
        "S",
        "s",
        "f",
        "F",
        "f*",
        "B",
        "B*",
        "b",
        "b*",
        "n",
        "W",
        "W*",
        "g",
        "G",
        "rg",
        "RG",
        "BT",
        "ET",
        "Tc",
        "Tw",
        "Tz",
        "TL",
        "Tf",
        "Tr",
        "Ts",
        "Td",
        "TD",
        "Tm",
        "T*",
        "Tj",
        "TJ",
        "'",
        '"',
        "Do",
        "BMC",
        "EMC",
    ]
)
_IMAGE_FILTERS = frozenset(
    ["/DCTDecode", "/FlateDecode", "/CCITTFaxDecode", "/RunLengthDecode", "/JBIG2Decode"]
)
_DEVICE_SPACES = frozenset(["/DeviceGray", "/DeviceRGB"])
_PAGE_KEYS = frozenset(
    [
        "/Type",
        "/Parent",
        "/Resources",
        "/Contents",
        "/MediaBox",
        "/CropBox",
        "/Rotate",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/UserUnit",
        "/LastModified",
    ]
)
_RESOURCE_KEYS = frozenset(["/XObject", "/Font", "/ProcSet"])


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile for the output intent (Ghostscript's, else one made by Pillow's
    LittleCMS)."""
    for pattern in _SRGB_CANDIDATES:
        for path in sorted(Path("/").glob(pattern.lstrip("/"))):
            data = path.read_bytes()
            if len(data) > 128 and data[36:40] == b"acsp" and data[16:20] == b"RGB ":
                return data
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _filters(stream: pikepdf.Object) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return [str(v) for v in value]
    return [str(value)]


def _colour_space_ok(space: pikepdf.Object | None) -> bool:
    if space is None:
        return False
    if isinstance(space, pikepdf.Name):
        return str(space) in _DEVICE_SPACES
    if isinstance(space, pikepdf.Array) and len(space) >= 2:
        family = str(space[0])
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) in (1, 3)
        if family == "/Indexed" and len(space) == 4:
            lookup = space[3]
            return _colour_space_ok(space[1]) and not (
                isinstance(lookup, pikepdf.Stream) and "/LZWDecode" in _filters(lookup)
            )
    return False


class _Checker:
    def __init__(self) -> None:
        self.seen: set[tuple[int, int]] = set()

    def _first_visit(self, obj: pikepdf.Object) -> bool:
        if not obj.is_indirect:
            return True
        key = obj.objgen
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def content(self, owner: pikepdf.Object | pikepdf.Page, what: str) -> str:
        try:
            instructions = pikepdf.parse_content_stream(owner)
        except pikepdf.PdfError:
            return f"{what}: unreadable content stream"
        for instruction in instructions:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                return f"{what}: inline image"
            operator = str(instruction.operator)
            if operator not in _OPERATORS:
                return f"{what}: operator {operator}"
        return ""

    def resources(self, resources: pikepdf.Object | None, what: str) -> str:
        if resources is None:
            return ""
        if not self._first_visit(resources):
            return ""
        for key in resources:
            if key not in _RESOURCE_KEYS:
                return f"{what}: resource {key}"
        for name, xobject in (resources.get("/XObject") or {}).items():
            reason = self.xobject(xobject, f"{what} {name}")
            if reason:
                return reason
        for name, font in (resources.get("/Font") or {}).items():
            reason = self.font(font, f"{what} {name}")
            if reason:
                return reason
        return ""

    def xobject(self, xobject: pikepdf.Object, what: str) -> str:
        if not isinstance(xobject, pikepdf.Stream):
            return f"{what}: not a stream"
        if not self._first_visit(xobject):
            return ""
        for key in (
            "/OPI",
            "/PS",
            "/Group",
            "/SMask",
            "/Mask",
            "/Alternates",
            "/SMaskInData",
            "/Ref",
            "/F",
            "/FFilter",
            "/FDecodeParms",
        ):
            if key in xobject:
                return f"{what}: {key}"
        subtype = str(xobject.get("/Subtype"))
        if subtype == "/Image":
            if bool(xobject.get("/Interpolate", False)):
                return f"{what}: /Interpolate"
            if any(f not in _IMAGE_FILTERS for f in _filters(xobject)):
                return f"{what}: filter {_filters(xobject)}"
            if bool(xobject.get("/ImageMask", False)):
                return ""
            if not _colour_space_ok(xobject.get("/ColorSpace")):
                return f"{what}: colour space {xobject.get('/ColorSpace')!r}"[:200]
            return ""
        if subtype == "/Form":
            return self.content(xobject, what) or self.resources(xobject.get("/Resources"), what)
        return f"{what}: XObject {subtype}"

    def font(self, font: pikepdf.Object, what: str) -> str:
        if not self._first_visit(font):
            return ""
        subtype = str(font.get("/Subtype"))
        if subtype == "/Type0":
            descendants = font.get("/DescendantFonts")
            if not descendants or len(descendants) != 1:
                return f"{what}: Type0 without one descendant"
            cid = descendants[0]
            if str(cid.get("/Subtype")) == "/CIDFontType2" and "/CIDToGIDMap" not in cid:
                return f"{what}: CIDFontType2 without CIDToGIDMap"
            descriptor = cid.get("/FontDescriptor")
        elif subtype in ("/Type1", "/TrueType", "/MMType1"):
            descriptor = font.get("/FontDescriptor")
        else:
            return f"{what}: font {subtype}"
        if descriptor is None or not any(
            k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            return f"{what}: font program not embedded"
        return ""


def why_not_native(pdf: pikepdf.Pdf) -> str:
    """Empty when the file holds only what `finish` makes PDF/A-2b as it is; else the reason."""
    root = pdf.Root
    for key in (
        "/AcroForm",
        "/OpenAction",
        "/AA",
        "/Names",
        "/OCProperties",
        "/Threads",
        "/Collection",
        "/Perms",
        "/Legal",
        "/Requirements",
    ):
        if key in root:
            return f"catalog {key}"
    if pdf.is_encrypted:
        return "encrypted"
    checker = _Checker()
    for number, page in enumerate(pdf.pages, start=1):
        what = f"page {number}"
        for page_key in page.obj:
            if page_key not in _PAGE_KEYS:
                return f"{what}: {page_key}"
        reason = checker.content(page, what) or checker.resources(page.obj.get("/Resources"), what)
        if reason:
            return reason
    return ""


def _pdf_date(moment: dt.datetime) -> str:
    offset = moment.strftime("%z")
    return moment.strftime("D:%Y%m%d%H%M%S") + (f"{offset[:3]}'{offset[3:]}'" if offset else "Z")


def add_output_intent(pdf: pikepdf.Pdf) -> None:
    profile = pdf.make_stream(srgb_profile())
    profile.N = 3
    intent = pikepdf.Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=SRGB_NAME,
        Info=SRGB_NAME,
        RegistryName="http://www.color.org",
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def finish(
    pdf: pikepdf.Pdf,
    *,
    title: str = "",
    author: str = "",
    producer: str = "Bàn làm việc số (Tesseract, pikepdf)",
    creator: str = "Bàn làm việc số — nhận dạng chữ",
) -> None:
    """Make a checked file (`why_not_native` empty) PDF/A-2b: output intent and XMP metadata.
    An empty `producer` leaves it out of both (for a file that pyHanko signs later: its
    incremental update writes its own name as the XMP producer but appends it to an existing
    document-information producer, and PDF/A wants the two equal)."""
    add_output_intent(pdf)
    now = _pdf_date(dt.datetime.now().astimezone())
    info = pdf.docinfo
    for key in list(info.keys()):
        del info[key]
    if producer:
        info.Producer = producer
    info.Creator = creator
    info.CreationDate = now
    info.ModDate = now
    if title:
        info.Title = title
    if author:
        info.Author = author
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta.load_from_docinfo(pdf.docinfo)
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"


def ghostscript(plain: Path, out: Path) -> bool:
    """Ghostscript's PDF/A-2b of any PDF (fonts embedded, XMP metadata), then the sRGB output
    intent when Ghostscript left none. False if Ghostscript refuses the file."""
    gs = shutil.which("gs")
    if gs is None:
        return False
    proc = subprocess.run(  # noqa: S603
        [
            gs,
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-dSAFER",
            "-sDEVICE=pdfwrite",
            "-dPDFA=2",
            "-dPDFACompatibilityPolicy=1",
            "-sColorConversionStrategy=RGB",
            "-dAutoRotatePages=/None",
            "-dPassThroughJPEGImages=true",
            f"-sOutputFile={out}",
            str(plain),
        ],
        capture_output=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        return False
    try:
        with pikepdf.open(out, allow_overwriting_input=True) as pdf:
            if "/OutputIntents" not in pdf.Root:
                add_output_intent(pdf)
                pdf.save(out)
    except pikepdf.PdfError:
        return False
    return True
