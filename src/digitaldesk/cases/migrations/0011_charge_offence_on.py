from django.db import migrations, models


class Migration(migrations.Migration):
    """A charge records the offence date and the bracket it was classified by (BLHS Điều 7)."""

    dependencies = [("cases", "0010_event_soft_cancel")]

    operations = [
        migrations.AddField(
            model_name="charge",
            name="offence_on",
            field=models.DateField(
                blank=True, null=True, verbose_name="ngày thực hiện hành vi phạm tội"
            ),
        ),
        migrations.AddField(
            model_name="charge",
            name="bracket",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="khung hình phạt áp dụng"
            ),
        ),
        migrations.AddField(
            model_name="charge",
            name="law_rule",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="quy định chuyển tiếp áp dụng"
            ),
        ),
    ]
