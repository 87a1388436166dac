"""Every asset is vendored (the WAN has no Internet) and no template carries inline script or style
(the CSP forbids them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

import digitaldesk

PACKAGE = Path(digitaldesk.__file__).parent
TEMPLATES = sorted(PACKAGE.rglob("templates/**/*.html"))
STATIC_TEXT = sorted(
    p
    for p in PACKAGE.rglob("static/**/*")
    if p.suffix in {".css", ".js", ".html", ".svg"} and ".min." not in p.name
)

# Something the browser would fetch from another host: a script, image, frame or media source, a
# stylesheet or icon link, a CSS url() or @import. (Plain <a href> links are not downloads.)
OFF_SITE = re.compile(
    r"""<(?:script|img|iframe|source|video|audio|embed|track)\b[^>]*\bsrc\s*=\s*["']\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+(?:url\()?["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.IGNORECASE
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


@pytest.mark.parametrize("path", TEMPLATES + STATIC_TEXT, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_asset_from_another_host(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".svg":
        text = re.sub(r'xmlns(:\w+)?="[^"]+"', "", text)  # a namespace is a name, not a download
    assert not OFF_SITE.search(text), OFF_SITE.search(text)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_templates_have_no_inline_script_style_or_handler(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
        match = pattern.search(text)
        assert match is None, (
            f"{match.group(0)!r}: put JS in static/<app>/*.js and styles in CSS classes"
        )


@pytest.mark.django_db
def test_pages_send_a_csp_without_unsafe_inline(org, as_user) -> None:  # type: ignore[no-untyped-def]
    for response in (Client().get("/dang-nhap/"), as_user("minh").get("/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
