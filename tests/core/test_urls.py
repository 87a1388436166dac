"""core/urls.cached_reverse: the same links as reverse(), per script prefix (a desk served under
a sub-path keeps its own links)."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from digitaldesk.core.urls import cached_reverse


def test_cached_reverse_gives_what_reverse_gives_for_each_script_prefix():
    names = [
        ("desk:home", ()),
        ("notifications:inbox", ()),
        ("notifications:open", (12,)),
        ("notifications:open", (13,)),
        ("accounts:organisation", ()),
    ]
    try:
        for prefix in ("/", "/ban-lam-viec/", "/"):
            set_script_prefix(prefix)
            for name, args in names:
                assert cached_reverse(name, *args) == reverse(name, args=args or None)
                assert cached_reverse(name, *args).startswith(prefix)
    finally:
        set_script_prefix("/")
