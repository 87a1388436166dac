"""The PDF signing itself (pyHanko): PAdES, incremental update, visible appearance.

This module knows nothing about users or the database: services.sign_pdf picks the
credential, checks it, computes the appearance and calls `sign_with`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from digitaldesk.core.aio import off_loop

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Appearance:
    """A rasterised appearance (transparent PNG) drawn in `box` on page `page` (0-based)."""

    png: bytes | None
    page: int
    box: Box


class LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key at each raw signature (twice per PDF
    signature: a dry run to size the container, then the real one). This keeps the key that
    was already decrypted from the PKCS#12 instead."""

    def __init__(self, *, pyca_key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pyca_key = pyca_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._pyca_key, rsa.RSAPrivateKey):
            return self._pyca_key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self._pyca_key, ec.EllipticCurvePrivateKey):
            return self._pyca_key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


def signer_from_pkcs12(contents: Any, extra_certs: list[Any]) -> LoadedKeySigner:
    """A pyHanko signer from an opened PKCS#12 (crypto.Pkcs12Contents): key, certificate, chain."""
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    registry = SimpleCertificateStore()
    registry.register_multiple(
        {translate_pyca_cryptography_cert_to_asn1(c) for c in contents.chain} | set(extra_certs)
    )
    return LoadedKeySigner(
        pyca_key=contents.key,
        signing_key=translate_pyca_cryptography_key_to_asn1(contents.key),
        signing_cert=translate_pyca_cryptography_cert_to_asn1(contents.certificate),
        cert_registry=registry,
    )


def timestamper(url: str, timeout: int = 10) -> TimeStamper:
    return HTTPTimeStamper(url, timeout=timeout)


def sign_with(
    pdf: bytes,
    *,
    signer: signers.Signer,
    field_name: str,
    appearance: Appearance | None,
    reason: str,
    location: str,
    contact: str = "",
    name: str = "",
    tsa: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    existing_field: bool = False,
) -> bytes:
    """Sign `pdf` in a new incremental revision and return the whole signed file.

    1. PAdES baseline (subfilter ETSI.CAdES.detached, signing-certificate-v2 attribute).
    2. With a TSA: an RFC 3161 signature timestamp (B-T) and, with a validation context,
       the chain and CRLs in the document security store (B-LT). Without: B-B.
    3. Without DocMDP certification, so the organisation's signature (and the Văn thư's
       filling of a reserved field) can follow the signer's without invalidating it.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason or None,
        location=location or None,
        contact_info=contact or None,
        name=name or None,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=bool(tsa and validation_context),
        validation_context=validation_context if tsa else None,
        use_pades_lta=False,
    )
    style = None
    new_field = None
    if appearance is not None and not existing_field:
        x0, y0, x1, y1 = (int(round(v)) for v in appearance.box)
        new_field = fields.SigFieldSpec(
            sig_field_name=field_name, on_page=appearance.page, box=(x0, y0, x1, y1)
        )
    if appearance is not None and appearance.png is not None:
        image = Image.open(io.BytesIO(appearance.png))
        image.load()
        style = StaticStampStyle(
            background=PdfImage(image),
            background_opacity=1.0,
            border_width=0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        )
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, timestamper=tsa, stamp_style=style, new_field_spec=new_field
    )
    out = io.BytesIO()
    off_loop(lambda: pdf_signer.sign_pdf(writer, output=out))  # pyHanko runs asyncio.run
    return out.getvalue()
