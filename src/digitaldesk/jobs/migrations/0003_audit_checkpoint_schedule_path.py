"""The audit checkpoint's scheduled function moved from `audit.jobs` to `jobs.builtin` (the audit
recorder sits below the job queue). Existing schedules are pointed at the new path, so an upgrade
keeps the periodic checkpoint running without `desk audit-schedule` being run again."""

from django.db import migrations

OLD = "digitaldesk.audit.jobs.enqueue_scheduled"
NEW = "digitaldesk.jobs.builtin.enqueue_scheduled"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]  # migration signature
    apps.get_model("django_q", "Schedule").objects.filter(func=OLD).update(func=NEW)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]  # migration signature
    apps.get_model("django_q", "Schedule").objects.filter(func=NEW).update(func=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_job_attempts_heartbeat"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forward, backward)]
