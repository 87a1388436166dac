"""Benchmark of PDF signing (docs/signing.md, "Performance"): sign a 20-page PDF.

    nice .venv/bin/python benchmarks/signing.py  # 15 rounds, writes benchmarks/results/signing.json
    nice .venv/bin/python benchmarks/signing.py --rounds 30

What it does:

1. Creates its own SQLite database in var/bench-signing (migrated), the demo organisation and the
   demo CA, and issues a personal certificate to the Phó Viện trưởng and an organisation certificate
   to the province, kept by its Văn thư (PKCS#12 sealed at rest, as in production).
2. Renders a 20-page công văn (Vietnamese text, Decree 30 layout) once.
3. Times `services.sign_pdf` end to end — credential checks (chain, CRL), reading the PDF, finding
   the signer's title on the last page with pdftotext, the appearance, PAdES signing, the audit
   record: `sign_median_ms`, `sign_p95_ms` (PAdES B-B, no TSA).
4. The same with an RFC 3161 TSA over HTTP on 127.0.0.1 (PAdES B-LT): `sign_tsa_median_ms`.
5. The organisation signature on top of the signer's (box 8, seal image): `org_sign_median_ms`.
6. `verify_pdf` of the doubly signed file: `verify_median_ms`.

No timing is asserted anywhere; the target (signing a 20-page PDF < 1 s median) is read from the
JSON.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from benchmarks.common import REPO, desk_env, django_setup, manage, percentile, write_results

PIN = "135790"  # demo PIN of the benchmark certificates


def timed(func, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    values = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        values.append(time.perf_counter() - start)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    data_dir = REPO / "var" / "bench-signing"
    database = data_dir / "bench.sqlite3"
    data_dir.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    env = desk_env(database_url=f"sqlite:///{database}", data_dir=data_dir)
    manage(["migrate", "--noinput"], env)
    django_setup(env)

    from django.conf import settings

    from digitaldesk.accounts.demo import build_org
    from digitaldesk.core.demo import DemoOrg
    from digitaldesk.signing import services
    from digitaldesk.signing.models import CredentialKind
    from digitaldesk.signing.pdfgen import sample_pdf
    from digitaldesk.signing.tsa import TSAServer
    from digitaldesk.signing.verify import verify_pdf

    org = DemoOrg()
    build_org(org)
    ca = services.demo_ca()
    pvt, lan = org.people["pvt"], org.people["lan"]
    services.demo_issue_credential(actor=None, pin=PIN, user=pvt)
    services.demo_issue_credential(
        actor=None, pin=PIN, kind=CredentialKind.ORGANISATION, unit=org.units["tinh"], keeper=lan
    )
    pdf = sample_pdf(
        pages=20,
        authority="KT. VIỆN TRƯỞNG",
        signer_title="PHÓ VIỆN TRƯỞNG",
        signer_name=pvt.full_name,
    )

    def sign() -> bytes:
        return services.sign_pdf(pdf=pdf, signer=pvt, kind="personal", passphrase=PIN)

    sign()  # warm-up: fonts, images, imports
    plain = timed(sign, args.rounds)
    signed = sign()
    organisation = timed(
        lambda: services.sign_pdf(pdf=signed, signer=lan, kind="organisation", passphrase=PIN),
        args.rounds,
    )
    both = services.sign_pdf(pdf=signed, signer=lan, kind="organisation", passphrase=PIN)
    verify = timed(lambda: verify_pdf(both), args.rounds)
    assert verify_pdf(both).ok
    with TSAServer(ca) as tsa:
        settings.SIGNING_TSA_URL = tsa.url
        sign()
        with_tsa = timed(sign, args.rounds)
        assert verify_pdf(sign()).signatures[0].pades_level == "PAdES B-LT"
        settings.SIGNING_TSA_URL = ""

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    result = {
        "pages": 20,
        "pdf_bytes": len(pdf),
        "rounds": args.rounds,
        "sign_median_ms": ms(plain),
        "sign_p95_ms": round(percentile(plain, 95) * 1000, 1),
        "sign_tsa_median_ms": ms(with_tsa),
        "org_sign_median_ms": ms(organisation),
        "verify_median_ms": ms(verify),
        "target_sign_median_ms": 1000,
    }
    path = write_results("signing", result)
    print(f"{path}: {result}")


if __name__ == "__main__":
    main()
