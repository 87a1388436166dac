"""The positions of the procuracy and the roles derived from them (docs/domain.md §5.2)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSITIONS = [
    # code, name, rank, roles, is_leader
    ("vien-truong", "Viện trưởng", 10, ["lanh_dao", "kiem_sat_vien"], True),
    ("pho-vien-truong", "Phó Viện trưởng", 20, ["lanh_dao", "kiem_sat_vien"], True),
    ("vu-truong", "Vụ trưởng", 30, ["lanh_dao", "kiem_sat_vien"], True),
    ("cuc-truong", "Cục trưởng", 30, ["lanh_dao"], True),
    ("pho-vu-truong", "Phó Vụ trưởng", 35, ["lanh_dao", "kiem_sat_vien"], True),
    ("pho-cuc-truong", "Phó Cục trưởng", 35, ["lanh_dao"], True),
    ("truong-phong", "Trưởng phòng", 40, ["lanh_dao", "kiem_sat_vien"], True),
    ("pho-truong-phong", "Phó trưởng phòng", 45, ["lanh_dao", "kiem_sat_vien"], True),
    ("ksv-cao-cap", "Kiểm sát viên cao cấp", 50, ["kiem_sat_vien"], False),
    ("ksv-trung-cap", "Kiểm sát viên trung cấp", 55, ["kiem_sat_vien"], False),
    ("ksv-so-cap", "Kiểm sát viên sơ cấp", 60, ["kiem_sat_vien"], False),
    ("kiem-tra-vien", "Kiểm tra viên", 70, ["kiem_tra_vien"], False),
    ("chuyen-vien", "Chuyên viên", 80, ["chuyen_vien"], False),
    ("van-thu", "Văn thư", 90, ["van_thu"], False),
]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Position = apps.get_model("accounts", "Position")
    for code, name, rank, roles, leader in POSITIONS:
        Position.objects.update_or_create(
            code=code, defaults={"name": name, "rank": rank, "roles": roles, "is_leader": leader}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
