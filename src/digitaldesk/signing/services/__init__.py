"""Write side of the signing app: every action is one function, audited (docs/signing.md).

The documents app calls `sign_pdf` in its outgoing flow (the signer signs first, then the Văn thư
applies the organisation signature: NĐ 30/2020 Điều 13.7, 17.2, 32.2) and `verify_pdf` in its
incoming flow (Điều 21: verify the authenticity and integrity of electronic documents on receipt).

| module | what it writes |
|---|---|
| `trust_store` | the demo CA, trusted roots, intermediate certificates, CRLs |
| `credentials` | PKCS#12 and PKCS#11 credentials, the default, deactivation, demo certificates |
| `appearance` | signature and seal images |
| `sign` | `sign_pdf`: checks, visible appearance, PAdES signature, audit |
| `verification` | `verify_and_audit`, `verified_file_read` (a kept file read for mail) |
| `common` | the purposes of a signature, the seal size, the administrator check |
"""

from __future__ import annotations

from digitaldesk.signing.services.appearance import (
    appearance_image_set,
    seal_image_for,
    signature_image_for,
)
from digitaldesk.signing.services.common import PURPOSES, SEAL_PT
from digitaldesk.signing.services.credentials import (
    credential_add_pkcs11,
    credential_add_pkcs12,
    credential_deactivate,
    credential_revoke_demo,
    credential_set_default,
    demo_issue_credential,
)
from digitaldesk.signing.services.sign import has_usable_credential, sign_pdf
from digitaldesk.signing.services.trust_store import (
    ca_certificate_add,
    crl_add,
    demo_ca,
    ensure_demo_ca_trusted,
    refresh_demo_crls_if_due,
    trust_root_set_active,
)
from digitaldesk.signing.services.verification import verified_file_read, verify_and_audit
from digitaldesk.signing.verify import verify_pdf

__all__ = [
    "PURPOSES",
    "SEAL_PT",
    "appearance_image_set",
    "ca_certificate_add",
    "credential_add_pkcs11",
    "credential_add_pkcs12",
    "credential_deactivate",
    "credential_revoke_demo",
    "credential_set_default",
    "crl_add",
    "demo_ca",
    "demo_issue_credential",
    "ensure_demo_ca_trusted",
    "has_usable_credential",
    "refresh_demo_crls_if_due",
    "seal_image_for",
    "sign_pdf",
    "signature_image_for",
    "trust_root_set_active",
    "verified_file_read",
    "verify_and_audit",
    "verify_pdf",
]
