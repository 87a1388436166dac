"""The keyed chain (HMAC-SHA256 under DESK_AUDIT_KEY): the head gains the last row id, its MAC and
the boundary of the rows written before, which keep their plain SHA-256 (docs/audit.md)."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

GENESIS = "0" * 64


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """1. The boundary is the newest existing row: rows up to it stay plain SHA-256, bound by a MAC.
    2. The head is set from the rows themselves (last id, count, last hash) and MACed."""
    from digitaldesk.audit.chain import boundary_mac, head_mac

    event_model = apps.get_model("audit", "AuditEvent")
    head_model = apps.get_model("audit", "AuditHead")
    last = event_model.objects.order_by("-id").values("id", "hash").first()
    last_id, last_hash = (last["id"], last["hash"]) if last else (0, GENESIS)
    count = event_model.objects.count()
    head_model.objects.update_or_create(
        id=1,
        defaults={
            "last_id": last_id,
            "last_hash": last_hash,
            "count": count,
            "mac": head_mac(last_id, count, last_hash),
            "plain_until_id": last_id,
            "plain_until_hash": last_hash,
            "boundary_mac": boundary_mac(last_id, last_hash),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [
        migrations.AddField("audithead", "last_id", models.BigIntegerField(default=0)),
        migrations.AddField(
            "audithead", "mac", models.CharField(blank=True, default="", max_length=64)
        ),
        migrations.AddField("audithead", "plain_until_id", models.BigIntegerField(default=0)),
        migrations.AddField(
            "audithead", "plain_until_hash", models.CharField(default=GENESIS, max_length=64)
        ),
        migrations.AddField(
            "audithead", "boundary_mac", models.CharField(blank=True, default="", max_length=64)
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
