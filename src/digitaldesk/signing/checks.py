"""System checks of the signing app (`desk check --deploy` fails early)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from digitaldesk.signing import conf


@register("signing")
def signing_checks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    module = conf.pkcs11_module()
    if module and not Path(module).exists():
        messages.append(
            Error(
                f"DESK_PKCS11_MODULE={module!r} does not exist.",
                hint="Install the token vendor's PKCS#11 library or unset the variable.",
                id="signing.E001",
            )
        )
    for path in (conf.font_path(), conf.script_font_path()):
        if not path.exists():
            messages.append(
                Error(
                    f"Font {path} for signature appearances is missing.",
                    hint="apt-get install fonts-liberation2 (see scripts/setup.sh) or set "
                    "DESK_SIGNING_FONT.",
                    id="signing.E002",
                )
            )
    if shutil.which(conf.pdftotext_cmd()) is None:
        messages.append(
            Warning(
                "pdftotext (poppler-utils) not found: signatures go to a default position "
                "instead of below the signer's title.",
                id="signing.W001",
            )
        )
    url = conf.tsa_url()
    if url and not url.startswith(("http://", "https://")):
        messages.append(Error(f"DESK_TSA_URL={url!r} is not an http(s) URL.", id="signing.E003"))
    try:
        conf.revocation_mode()
    except Exception as exc:
        messages.append(Error(str(exc), id="signing.E004"))
    return messages
