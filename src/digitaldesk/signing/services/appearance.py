"""Appearance images: an official's signature image and an organisation's seal.

See docs/signing.md.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.signing import images, selectors
from digitaldesk.signing.errors import SigningError
from digitaldesk.signing.models import AppearanceImage, AppearanceImageKind
from digitaldesk.signing.services.common import require_admin


def _image_row(
    kind: str, *, owner: User | None = None, unit: Unit | None = None
) -> AppearanceImage | None:
    if kind == AppearanceImageKind.SIGNATURE:
        return AppearanceImage.objects.filter(kind=kind, owner=owner).first()
    return AppearanceImage.objects.filter(kind=kind, unit=unit).first()


@transaction.atomic
def appearance_image_set(
    *,
    actor: User,
    kind: str,
    data: bytes,
    owner: User | None = None,
    unit: Unit | None = None,
    generated: bool = False,
) -> AppearanceImage:
    """Upload (or generate) the signature image of an official or the seal image of an
    organisation."""
    if kind == AppearanceImageKind.SIGNATURE:
        if owner is None:
            raise SigningError("Thiếu cán bộ của ảnh chữ ký.")
        if owner.pk != actor.pk and not selectors.is_admin(actor):
            raise SigningError("Bạn chỉ được thay ảnh chữ ký của chính mình.", code="forbidden")
    elif kind == AppearanceImageKind.SEAL:
        if unit is None:
            raise SigningError("Thiếu cơ quan của ảnh con dấu.")
        require_admin(actor)
    else:
        raise SigningError("Loại ảnh không hợp lệ.")
    png = data if generated else images.clean_upload(data)
    width, height = images.image_size(png)
    row = _image_row(kind, owner=owner, unit=unit) or AppearanceImage(
        kind=kind, owner=owner, unit=unit
    )
    row.png, row.width_px, row.height_px = png, width, height
    row.generated, row.uploaded_by, row.updated_at = generated, actor, timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action="signing.image_set",
        obj=row,
        detail={"kind": kind, "generated": generated, "sha256": hashlib.sha256(png).hexdigest()},
    )
    return row


def signature_image_for(user: User) -> AppearanceImage:
    """The user's signature image; a generated one on first use."""
    row = _image_row(AppearanceImageKind.SIGNATURE, owner=user)
    if row is None:
        png = images.signature_png(user.full_name or user.username)
        width, height = images.image_size(png)
        row = AppearanceImage.objects.create(
            kind=AppearanceImageKind.SIGNATURE,
            owner=user,
            png=png,
            width_px=width,
            height_px=height,
            generated=True,
        )
    return row


def seal_image_for(unit: Unit) -> AppearanceImage:
    row = _image_row(AppearanceImageKind.SEAL, unit=unit)
    if row is None:
        png = images.seal_png(unit.name.split(" — ")[0])
        width, height = images.image_size(png)
        row = AppearanceImage.objects.create(
            kind=AppearanceImageKind.SEAL,
            unit=unit,
            png=png,
            width_px=width,
            height_px=height,
            generated=True,
        )
    return row
