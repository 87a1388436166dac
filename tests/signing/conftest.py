"""Fixtures of the signing tests: the demo CA, certificates for the personas, sample PDFs,
a real RFC 3161 TSA on 127.0.0.1 and a real SoftHSM2 PKCS#11 token."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from digitaldesk.core.demo import DemoOrg

PIN = "246810"


@functools.cache
def _sample(pages: int, authority: str, title: str, name: str) -> bytes:
    from digitaldesk.signing.pdfgen import sample_pdf

    return sample_pdf(pages=pages, authority=authority, signer_title=title, signer_name=name)


@pytest.fixture
def deputy_pdf() -> bytes:
    """A one-page công văn signed for the Viện trưởng by the Phó Viện trưởng (KT.)."""
    return _sample(1, "KT. VIỆN TRƯỞNG", "PHÓ VIỆN TRƯỞNG", "Trần Quốc Khánh")


@pytest.fixture
def plain_pdf() -> bytes:
    """A two-page document without a signature block for anyone in particular."""
    return _sample(2, "", "TRƯỞNG PHÒNG", "Người Khác")


@pytest.fixture
def ca(org: DemoOrg) -> Any:
    from digitaldesk.signing import services

    return services.demo_ca()


@functools.cache
def issued_pkcs12(common_name: str, organisation: str) -> bytes:
    """A PKCS#12 (PIN `PIN`) issued once per test session by the demo CA (RSA key generation is the
    slow part); each test then uploads it through the normal upload service."""
    from digitaldesk.signing.ca import DemoCA

    ca = DemoCA.load_or_create()
    key, cert = ca.issue(common_name=common_name, organisation=organisation)
    assert key is not None
    return ca.pkcs12(key, cert, PIN)


@pytest.fixture
def creds(org: DemoOrg, ca: Any) -> dict[str, Any]:
    """Demo-CA certificates (PIN `PIN`) uploaded as PKCS#12: personal for pvt, huong, minh; the
    organisation certificate of VKSND tỉnh Thăng Hoa, kept by its Văn thư lan, uploaded by the
    admin."""
    from digitaldesk.signing import services
    from digitaldesk.signing.models import CredentialKind

    province = org.units["tinh"].name
    result = {
        key: services.credential_add_pkcs12(
            actor=org.people[key],
            passphrase=PIN,
            data=issued_pkcs12(org.people[key].full_name, province),
        )
        for key in ("pvt", "huong", "minh")
    }
    result["tinh"] = services.credential_add_pkcs12(
        actor=org.people["dung"],
        kind=CredentialKind.ORGANISATION,
        unit=org.units["tinh"],
        owner=org.people["lan"],
        passphrase=PIN,
        data=issued_pkcs12(province, province),
    )
    return result


@pytest.fixture
def tsa(ca: Any, settings: Any) -> Iterator[Any]:
    """A real RFC 3161 TSA over HTTP on 127.0.0.1 (demo CA's TSA certificate), set as
    DESK_TSA_URL."""
    from digitaldesk.signing.tsa import TSAServer

    with TSAServer(ca) as server:
        settings.SIGNING_TSA_URL = server.url
        yield server


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A SoftHSM2 token (the PKCS#11 stand-in for a USB token), initialised once per session."""
    util = shutil.which("softhsm2-util")
    module = "/usr/lib/softhsm/libsofthsm2.so"
    assert util and Path(module).exists(), "softhsm2 is missing: run scripts/setup.sh"
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf_file = base / "softhsm2.conf"
    conf_file.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n",
        encoding="utf-8",
    )
    os.environ["SOFTHSM2_CONF"] = str(conf_file)
    subprocess.run(  # noqa: S603  (fixed argv)
        [
            util,
            "--init-token",
            "--free",
            "--label",
            "desk-test",
            "--pin",
            PIN,
            "--so-pin",
            "13572468",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "SOFTHSM2_CONF": str(conf_file)},
    )
    return {"module": module, "token": "desk-test", "pin": PIN}
