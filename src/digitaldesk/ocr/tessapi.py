"""Tesseract in the process: its C API (`libtesseract.so.5`, part of the `tesseract-ocr`
Debian package the desk already needs) through ctypes, one engine per thread, loaded once.

Why (docs/ocr.md, "Reading a page"): a `tesseract` process per page starts an executable,
loads the `vie` model, decodes the image file again and writes three output files; here
the page is decoded once by the desk (Pillow), its greyscale pixels are handed to the
engine as they are in memory, and the model stays loaded for the life of the worker
process. ctypes releases the GIL during the call, so threads read pages side by side.

Nothing here is Python-version or build specific: only the stable C API of Tesseract 4/5
(`capi.h`) is used, and `available()` says False when the library is missing, in which
case `engines.TesseractEngine` runs the command as before.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import os
import threading
from dataclasses import dataclass
from typing import Any

from PIL import Image

_LIBRARY_NAMES = ("libtesseract.so.5", "libtesseract.so.4", "libtesseract.so")


class TessError(Exception):
    pass


class _Api:
    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        signatures: dict[str, tuple[object, list[object]]] = {
            "TessBaseAPICreate": (p, []),
            "TessBaseAPIDelete": (None, [p]),
            "TessBaseAPIEnd": (None, [p]),
            "TessBaseAPIInit3": (i, [p, c, c]),
            "TessBaseAPISetVariable": (i, [p, c, c]),
            "TessBaseAPISetPageSegMode": (None, [p, i]),
            "TessBaseAPISetImage": (None, [p, ctypes.c_void_p, i, i, i, i]),
            "TessBaseAPISetSourceResolution": (None, [p, i]),
            "TessBaseAPIRecognize": (i, [p, p]),
            "TessBaseAPIGetUTF8Text": (ctypes.POINTER(ctypes.c_char), [p]),
            "TessBaseAPIGetTsvText": (ctypes.POINTER(ctypes.c_char), [p, i]),
            "TessBaseAPIClear": (None, [p]),
            "TessDeleteText": (None, [ctypes.POINTER(ctypes.c_char)]),
            "TessMonitorCreate": (p, []),
            "TessMonitorDelete": (None, [p]),
            "TessMonitorSetDeadlineMSecs": (None, [p, i]),
        }
        for name, (restype, argtypes) in signatures.items():
            func = getattr(lib, name)
            func.restype = restype
            func.argtypes = argtypes


_lock = threading.Lock()
_api: _Api | None = None
_missing = False
_local = threading.local()
_all: list[_Engine] = []


@atexit.register
def _end_all() -> None:
    """End every engine before the interpreter goes (Tesseract otherwise warns of leaks)."""
    while _all:
        engine = _all.pop()
        engine.api.lib.TessBaseAPIEnd(engine.handle)
        engine.api.lib.TessBaseAPIDelete(engine.handle)


def _load() -> _Api | None:
    global _api, _missing
    with _lock:
        if _api is not None or _missing:
            return _api
        # One page = one core: pages run side by side (threads, job processes), which
        # measured faster than Tesseract's OpenMP threads on 2 cores. Read by the OpenMP
        # runtime when the library is loaded.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        names = list(_LIBRARY_NAMES)
        found = ctypes.util.find_library("tesseract")
        if found:
            names.append(found)
        for name in names:
            try:
                _api = _Api(ctypes.CDLL(name))
                return _api
            except (OSError, AttributeError):
                continue
        _missing = True
        return None


def available() -> bool:
    return _load() is not None


@dataclass
class Result:
    text: str
    tsv: str


def _take(api: _Api, pointer: Any) -> str:
    if not pointer:
        return ""
    try:
        return ctypes.string_at(pointer).decode("utf-8", "replace")
    finally:
        api.lib.TessDeleteText(pointer)


class _Engine:
    """One initialised TessBaseAPI (a model loaded), used by one thread at a time."""

    def __init__(self, api: _Api, languages: str) -> None:
        self.api = api
        self.handle = api.lib.TessBaseAPICreate()
        if api.lib.TessBaseAPIInit3(self.handle, None, languages.encode()) != 0:
            api.lib.TessBaseAPIDelete(self.handle)
            raise TessError(f"Tesseract could not load the model {languages!r}")

    def read(self, image: Image.Image, *, dpi: int, psm: int, timeout: int) -> Result:
        lib = self.api.lib
        if image.mode not in ("L", "RGB"):
            image = image.convert("L")
        bpp = 1 if image.mode == "L" else 3
        data = image.tobytes()
        buffer = ctypes.create_string_buffer(data, len(data))
        lib.TessBaseAPISetPageSegMode(self.handle, psm)
        lib.TessBaseAPISetImage(
            self.handle, buffer, image.width, image.height, bpp, image.width * bpp
        )
        lib.TessBaseAPISetSourceResolution(self.handle, dpi)
        monitor = lib.TessMonitorCreate()
        try:
            lib.TessMonitorSetDeadlineMSecs(monitor, int(timeout * 1000))
            if lib.TessBaseAPIRecognize(self.handle, monitor) != 0:
                raise TessError("recognition failed or ran out of time")
            text = _take(self.api, lib.TessBaseAPIGetUTF8Text(self.handle))
            tsv = _take(self.api, lib.TessBaseAPIGetTsvText(self.handle, 0))
        finally:
            lib.TessMonitorDelete(monitor)
            lib.TessBaseAPIClear(self.handle)
        # The C API's TSV has no header line and ends its page on level 1 like the CLI's.
        return Result(text, tsv)


def read(image: Image.Image, *, languages: str, dpi: int, psm: int, timeout: int) -> Result:
    """Read a decoded page image (greyscale or RGB) with this thread's engine."""
    api = _load()
    if api is None:
        raise TessError("libtesseract is not available")
    engines: dict[str, _Engine] = getattr(_local, "engines", None) or {}
    _local.engines = engines
    engine = engines.get(languages)
    if engine is None:
        engine = engines[languages] = _Engine(api, languages)
        with _lock:
            _all.append(engine)
    return engine.read(image, dpi=dpi, psm=psm, timeout=timeout)
