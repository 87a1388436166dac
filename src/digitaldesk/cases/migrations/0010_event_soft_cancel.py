import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """A procedural event recorded by mistake is cancelled (who, when, why), no longer deleted."""

    dependencies = [
        ("cases", "0009_recompute_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="proceduralevent",
            managers=[("objects", models.Manager()), ("with_cancelled", models.Manager())],
        ),
        migrations.AlterModelOptions(
            name="proceduralevent",
            options={"base_manager_name": "with_cancelled", "ordering": ["case", "on", "pk"]},
        ),
        migrations.AddField(
            model_name="proceduralevent",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="hủy ghi nhận lúc"),
        ),
        migrations.AddField(
            model_name="proceduralevent",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người hủy ghi nhận",
            ),
        ),
        migrations.AddField(
            model_name="proceduralevent",
            name="cancel_reason",
            field=models.TextField(blank=True, verbose_name="lý do hủy ghi nhận"),
        ),
    ]
