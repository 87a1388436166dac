"""Benchmark of the criminal case register at scale, on PostgreSQL (docs/cases.md, "Hiệu năng").

    nice .venv/bin/python -m benchmarks.cases                  # 100,000 cases, 300,000 accused
    nice .venv/bin/python -m benchmarks.cases --cases 5000     # a quick run
    nice .venv/bin/python -m benchmarks.cases --reuse          # keep the generated database
    nice .venv/bin/python -m benchmarks.cases --reuse --prepare-only   # only build the database
    nice .venv/bin/python -m benchmarks.cases --database desk_bench_cases_small \
        --cases 8000 --no-write                                # a small profile beside the full one

1. Creates the database `desk_bench_cases`, migrates it, builds the demo organisation plus 30 more
   regional units (a province of ~40 units) with 6 prosecutors each.
2. Generates N cases (bulk inserts): ≈ 3.04 accused per case on average (≥ 300,000 for 100,000
   cases), one charge per accused chosen from common Penal Code clauses (category by BLHS Điều 9,
   through the legal engine), assignments, and a realistic story of procedural events per case
   (intake, khởi tố, khởi tố bị can, phê chuẩn, custody, detention and its extensions, investigation
   extensions, end of investigation, indictment, trial, closure); about 40 % of the cases are still
   open, as in a multi-year register.
3. Measures
   - `deadlines_initial_s`: the first full computation (every stored deadline written);
   - `deadlines_recompute_s`: the nightly recompute of every open case (the engine runs for each,
     every deadline is compared, only changes are written) — the figure the issue asks for (< 5 s):
     best of five runs (`deadlines_recompute_runs_s`, `deadlines_recompute_median_s`), after the
     first full write has been VACUUM ANALYZEd and checkpointed as a long-lived database would be;
   - `p95_ms`: the register page (GET /an-hinh-su/ with filters, rendered, in-process client) for a
     province head who sees every case, a unit head and a prosecutor, 12 filter combinations;
   - `stats_s`: a year of statistics of the whole province (all five tables).
4. Writes benchmarks/results/cases.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from typing import Any

from benchmarks.common import (
    REPO,
    desk_env,
    django_setup,
    manage,
    postgres_db_exists,
    recreate_postgres_db,
    summarize,
    write_results,
)

DB_NAME = "desk_bench_cases"

# (article, clause, points) charged in the generated cases, roughly by frequency.
CHARGES = [
    ("173", 1, ""),
    ("173", 2, "c"),
    ("174", 1, ""),
    ("174", 2, "c"),
    ("174", 3, "a"),
    ("174", 4, "a"),
    ("134", 1, "a"),
    ("134", 2, "a"),
    ("249", 1, "c"),
    ("251", 1, ""),
    ("251", 2, "b"),
    ("260", 1, "a"),
    ("321", 1, ""),
    ("171", 1, ""),
    ("168", 1, ""),
    ("353", 2, "d"),
    ("123", 1, "n"),
    ("255", 1, ""),
]


def _generate(n_cases: int, seed: int = 7) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from digitaldesk.accounts import services as account_services
    from digitaldesk.accounts.demo import random_name
    from digitaldesk.accounts.models import Position, Unit, UnitKind, User
    from digitaldesk.cases.models import (
        Accused,
        Case,
        CaseAssignment,
        Charge,
        Measure,
        ProceduralEvent,
        SourceKind,
        Stage,
    )
    from digitaldesk.core.demo import DemoOrg
    from digitaldesk.core.text import fold
    from digitaldesk.law import categories, code
    from digitaldesk.law.deadlines import EventKind as E

    rng = random.Random(seed)
    org = DemoOrg()
    from digitaldesk.accounts.demo import build_org

    build_org(org)
    province = org.units["tinh"]
    for number in range(3, 33):
        if not Unit.objects.filter(
            name=f"Viện kiểm sát nhân dân khu vực {number} — Thăng Hoa"
        ).exists():
            account_services.unit_create(
                actor=None,
                name=f"Viện kiểm sát nhân dân khu vực {number} — Thăng Hoa",
                kind=UnitKind.REGIONAL,
                parent=province,
                symbol=f"VKSKV{number}",
                order=number,
            )
    units = list(
        Unit.objects.filter(path__startswith=province.path)
        .exclude(pk=province.pk)
        .exclude(pk=org.units["tinh_vp"].pk)
        .exclude(pk=org.units["tinh_tk"].pk)
    )
    ksv = Position.objects.get(code="ksv-trung-cap")
    password = make_password("bench-not-used")
    staff: dict[int, list[int]] = {}
    new_users = []
    for unit in units:
        for index in range(6):
            name = random_name(rng)
            new_users.append(
                User(
                    username=f"bench.{unit.pk}.{index}",
                    full_name=name,
                    unit=unit,
                    position=ksv,
                    password=password,
                    must_change_password=False,
                    name_folded=fold(name),
                    name_sort_key=fold(name),
                )
            )
    User.objects.bulk_create(new_users, batch_size=2000, ignore_conflicts=True)
    for user_id, unit_id in User.objects.filter(username__startswith="bench.").values_list(
        "pk", "unit_id"
    ):
        staff.setdefault(unit_id, []).append(user_id)
    staff[org.units["tinh_p2"].pk].append(org.people["minh"].pk)

    clause_info = {}
    for article, clause, _points in CHARGES:
        art = code.article(article)
        clause_info[(article, clause)] = (
            art.title,
            art.chapter or "",
            str(categories.category_for(article, clause)),
        )
    rank = {
        "it_nghiem_trong": 1,
        "nghiem_trong": 2,
        "rat_nghiem_trong": 3,
        "dac_biet_nghiem_trong": 4,
    }

    today = timezone.localdate()
    # Resumable: continue after the cases already generated (ids, register numbers, random stream).
    existing = Case.objects.count()
    n_cases -= existing
    rng = random.Random(seed + existing)
    start_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    next_accused = (Accused.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    counters: dict[tuple[int, str, int], int] = {}
    from django.db.models import Max

    for unit_id, year, top in (
        Case.objects.filter(report_no__isnull=False)
        .values_list("unit_id", "report_year")
        .annotate(top=Max("report_no"))
    ):
        counters[(unit_id, "nguon_tin", year)] = top
    for unit_id, year, top in (
        Case.objects.filter(case_no__isnull=False)
        .values_list("unit_id", "case_year")
        .annotate(top=Max("case_no"))
    ):
        counters[(unit_id, "vu_an", year)] = top
    totals = {"cases": 0, "accused": 0, "events": 0, "charges": 0}
    weights = [5 if u.kind == UnitKind.OFFICE else 3 for u in units]
    batch = 5000
    for offset in range(0, n_cases, batch):
        cases, people, charges, events, assignments = [], [], [], [], []
        for number in range(offset, min(offset + batch, n_cases)):
            pk = start_id + number
            unit = rng.choices(units, weights)[0]
            age = int(rng.random() ** 1.6 * 4 * 365)  # more recent cases than old ones
            received = today - dt.timedelta(days=age)
            direct = rng.random() < 0.35
            source = (
                SourceKind.CASE
                if direct
                else rng.choice(
                    [SourceKind.DENUNCIATION, SourceKind.REPORT, SourceKind.RECOMMENDATION]
                )
            )
            picked = [
                rng.choice(CHARGES)
                for _ in range(max(1, min(8, int(rng.expovariate(1 / 3.15)) + 1)))
            ]
            category = max((clause_info[(a, c)][2] for a, c, _ in picked), key=rank.__getitem__)
            case = Case(
                pk=pk,
                unit=unit,
                source=source,
                received_on=received,
                stage=Stage.REPORT,
                name=(
                    f"{clause_info[(picked[0][0], picked[0][1])][0].removeprefix('Tội ')} — hồ sơ "
                    f"{pk}"
                ),
                category=category,
                created_at=timezone.now(),
                updated_at=timezone.now(),
            )
            case.name_folded = fold(case.name)
            register = "vu_an" if direct else "nguon_tin"
            key = (unit.pk, register, received.year)
            counters[key] = counters.get(key, 0) + 1
            if direct:
                case.case_no, case.case_year, case.opened_on, case.stage = (
                    counters[key],
                    received.year,
                    received,
                    Stage.INVESTIGATION,
                )
            else:
                case.report_no, case.report_year = counters[key], received.year
            story: list[
                tuple[str, int, int | None, dict[str, Any]]
            ] = []  # kind, day offset, person idx, extra

            def add(kind: str, day: int, person: int | None = None, **extra: Any) -> None:
                story.append((kind, day, person, extra))  # noqa: B023

            # How far the case went, given its age (old cases mostly finished).
            depth = min(7, int(age / 55) + rng.randint(0, 2))
            if not direct:
                add(E.TIEP_NHAN_NGUON_TIN, 0)
                if depth == 0:
                    pass
                elif rng.random() < 0.12:
                    add(E.KHONG_KHOI_TO_VU_AN, rng.randint(5, 19))
                    depth = -1
                else:
                    add(E.KHOI_TO_VU_AN, rng.randint(3, 19))
            else:
                add(E.KHOI_TO_VU_AN, 0)
            n_people = len(picked) if depth > 0 or direct else 0
            base = story[-1][1]
            for index in range(n_people):
                add(E.KHOI_TO_BI_CAN, base + 1, index)
                add(E.PHE_CHUAN_KHOI_TO_BI_CAN, base + 2, index)
                if rng.random() < 0.45:
                    add(E.TAM_GIAM, base + 2, index, months=2)
                    if depth >= 2 and rng.random() < 0.6:
                        add(E.GIA_HAN_TAM_GIAM, base + 50, index, months=1)
            if depth >= 2 and rng.random() < 0.5:
                add(E.GIA_HAN_DIEU_TRA, base + 55, months=2)
            if depth >= 3:
                add(E.KET_THUC_DIEU_TRA, base + 80)
                add(E.VKS_NHAN_HO_SO, base + 81)
            if depth >= 4:
                add(E.CAO_TRANG, base + 95)
            if depth >= 5:
                add(E.TOA_THU_LY, base + 100)
            if depth >= 6:
                add(E.TUYEN_AN_SO_THAM, base + 140)
            if depth >= 7:
                add("ban_an_co_hieu_luc", base + 160)
            elif depth >= 3 and rng.random() < 0.15:
                add(E.DINH_CHI_VU_AN, base + 90)
            story = [s for s in story if received + dt.timedelta(days=s[1]) <= today]
            stage = case.stage
            closed_on = None
            for kind, day, _person, _ in story:
                stage = {
                    E.KHOI_TO_VU_AN: Stage.INVESTIGATION,
                    E.KET_THUC_DIEU_TRA: Stage.PROSECUTION,
                    E.TOA_THU_LY: Stage.TRIAL,
                    E.KHONG_KHOI_TO_VU_AN: Stage.NOT_PROSECUTED,
                    E.DINH_CHI_VU_AN: Stage.CLOSED,
                    "ban_an_co_hieu_luc": Stage.JUDGED,
                }.get(kind, stage)
                if (
                    stage in (Stage.NOT_PROSECUTED, Stage.CLOSED, Stage.JUDGED)
                    and closed_on is None
                ):
                    closed_on = received + dt.timedelta(days=day)
                if kind == E.KHOI_TO_VU_AN and case.case_no is None:
                    ckey = (unit.pk, "vu_an", (received + dt.timedelta(days=day)).year)
                    counters[ckey] = counters.get(ckey, 0) + 1
                    case.case_no, case.case_year = counters[ckey], ckey[2]
                    case.opened_on = received + dt.timedelta(days=day)
            case.stage, case.closed_on = stage, closed_on
            cases.append(case)
            for index, (article, clause, points) in enumerate(picked[:n_people]):
                person = Accused(
                    pk=next_accused,
                    case_id=pk,
                    full_name=random_name(rng),
                    birth_year=rng.randint(1960, 2006),
                    order=index + 1,
                    created_at=timezone.now(),
                )
                next_accused += 1
                person.name_folded = fold(person.full_name)
                detained = (
                    any(s[0] == E.TAM_GIAM and s[2] == index for s in story) and closed_on is None
                )
                if detained:
                    person.measure = Measure.DETENTION
                people.append(person)

                title, chapter, cat = clause_info[(article, clause)]
                charges.append(
                    (
                        pk,
                        index,
                        Charge(
                            case_id=pk,
                            article=article,
                            clause=clause,
                            points=points,
                            title=title,
                            chapter=chapter,
                            category=cat,
                            created_at=timezone.now(),
                        ),
                    )
                )
            for kind, day, person, extra in story:
                events.append(
                    (
                        pk,
                        person,
                        ProceduralEvent(
                            case_id=pk,
                            kind=kind,
                            on=received + dt.timedelta(days=day),
                            created_at=timezone.now(),
                            **extra,
                        ),
                    )
                )
            for user_id in rng.sample(
                staff[unit.pk], k=min(len(staff[unit.pk]), rng.choice([1, 1, 2]))
            ):
                assignments.append(
                    CaseAssignment(
                        case_id=pk, user_id=user_id, role="ksv_chinh", assigned_on=received
                    )
                )
        by_case: dict[int, list[Accused]] = {}
        for person in people:
            by_case.setdefault(person.case_id, []).append(person)
        for case_id, index, charge in charges:
            charge.accused_id = by_case[case_id][index].pk
        for case_id, index, event in events:
            if index is not None:
                event.accused_id = by_case[case_id][index].pk
        with transaction.atomic():
            _copy(Case, cases, with_pk=True)
            _copy(Accused, people, with_pk=True)
            _copy(Charge, [c for _, _, c in charges])
            _copy(ProceduralEvent, [e for _, _, e in events])
            _copy(CaseAssignment, assignments)
        totals["cases"] += len(cases)
        totals["accused"] += len(people)
        totals["events"] += len(events)
        totals["charges"] += len(charges)
        print(
            f"  {totals['cases']} vụ án, {totals['accused']} bị can, {totals['events']} quyết định",
            flush=True,
        )
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_accused"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  (constant)
                f"(SELECT MAX(id) FROM {table}))"
            )
        # As autovacuum would leave a long-lived database: statistics and the visibility map
        # (index-only scans), not the state right after a bulk load.
        cursor.execute("VACUUM ANALYZE")
    return totals


def _vacuum_analyze(table: str) -> None:
    """As a long-lived database is after a bulk write: autovacuum has analysed the table and set
    its visibility map, and a checkpoint has written its pages (otherwise the checkpointer writes
    250,000 rows' worth of pages during the measurements that follow)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")


def _copy(model: Any, objects: list[Any], *, with_pk: bool = False) -> None:
    """Write model instances with PostgreSQL COPY (much faster than INSERT for generated data)."""
    from django.db import connection

    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            copy.write_row(
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            )


def _register_latencies(rounds: int) -> tuple[list[float], list[float], dict[str, float]]:
    from django.test import Client
    from django.utils import timezone

    from digitaldesk.accounts.models import User
    from digitaldesk.cases.models import Case

    year = timezone.localdate().year - 1
    viewers = {
        "huong.vt": "Viện trưởng tỉnh (mọi vụ án)",
        "son.tp2": "Trưởng phòng 2",
        "minh.ksv": "Kiểm sát viên",
    }
    filters: list[dict[str, str]] = [
        {},
        {"trang": "3"},
        {"q": "nguyen van"},
        {"q": "lừa đảo"},
        {"stage": "dieu_tra"},
        {"category": "rat_nghiem_trong", "open_only": "on"},
        {"detained": "on"},
        {"article": "174"},
        {"year": str(year), "register": "vu_an"},
        {"mine": "on"},
        {"q": str(Case.objects.first().case_no or 1)},
        {"stage": "truy_to", "category": "dac_biet_nghiem_trong", "detained": "on"},
    ]
    latencies: list[float] = []
    cpu: list[float] = []
    by_filter: dict[str, list[float]] = {}
    for username in viewers:
        client = Client()
        user = User.objects.get(username=username)
        client.force_login(user, backend="digitaldesk.accounts.backends.DeskBackend")
        session = client.session
        session["last_activity"] = time.time()
        session.save()
        client.get("/an-hinh-su/")  # warm caches (templates, legal code)
        for _ in range(rounds):
            for params in filters:
                session = client.session
                session["last_activity"] = time.time()
                session.save()
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get("/an-hinh-su/", params)
                elapsed = time.perf_counter() - started
                cpu.append(time.process_time() - started_cpu)
                if response.status_code != 200:
                    raise RuntimeError(f"{username} {params}: HTTP {response.status_code}")
                latencies.append(elapsed)
                by_filter.setdefault(f"{username} {params}", []).append(elapsed)
    worst = {
        key: round(max(values) * 1000, 1)
        for key, values in sorted(by_filter.items(), key=lambda kv: -max(kv[1]))[:5]
    }
    return latencies, cpu, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the generated database if it exists"
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="create (or complete) the database and its deadlines, measure nothing",
    )
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help=f"PostgreSQL database to build and measure (default {DB_NAME}; another name, e.g. "
        "with --cases 5000, for a quick profile beside the full one)",
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the figures without writing benchmarks/results/cases.json",
    )
    args = parser.parse_args()

    db_name = args.database
    reuse = args.reuse and postgres_db_exists(db_name)
    url = (
        recreate_postgres_db(db_name)
        if not reuse
        else f"postgres://postgres@127.0.0.1:5432/{db_name}"
    )
    data_dir = REPO / "var" / ("bench-cases" if db_name == DB_NAME else f"bench-{db_name}")
    env = desk_env(database_url=url, data_dir=data_dir)
    print(f"Cơ sở dữ liệu {db_name} ({'dùng lại' if reuse else 'tạo mới'})", flush=True)
    manage(["migrate", "--noinput"], env)
    django_setup(env)
    load_at_start = round(__import__("os").getloadavg()[0], 2)
    from django.utils import timezone

    from digitaldesk.accounts.models import Unit
    from digitaldesk.cases import stats
    from digitaldesk.cases.deadlines import deadlines_recompute_all
    from digitaldesk.cases.models import Accused, Case, ComputedDeadline, ProceduralEvent

    started = time.perf_counter()
    if not reuse or Case.objects.count() < args.cases:
        totals = _generate(args.cases)
        totals = {
            "cases": Case.objects.count(),
            "accused": Accused.objects.count(),
            "events": ProceduralEvent.objects.count(),
        }
    else:
        totals = {
            "cases": Case.objects.count(),
            "accused": Accused.objects.count(),
            "events": ProceduralEvent.objects.count(),
        }
    generate_s = time.perf_counter() - started
    if args.prepare_only:
        if not ComputedDeadline.objects.exists():
            deadlines_recompute_all()
            _vacuum_analyze("cases_computeddeadline")
        print(f"Đã chuẩn bị {totals} trong {generate_s:.1f} s", flush=True)
        return
    open_cases = Case.objects.filter(closed_on__isnull=True).count()

    ComputedDeadline.objects.all().delete()
    started = time.perf_counter()
    initial = deadlines_recompute_all()
    initial_s = time.perf_counter() - started
    # 247,000 rows just rewritten: as autovacuum would (it is off on the development server), so
    # that the register's plans see the table's real statistics, not those of an empty table.
    _vacuum_analyze("cases_computeddeadline")
    print(f"Tính thời hạn lần đầu: {initial_s:.2f} s {initial}", flush=True)
    nightly_runs = []
    for _ in range(5):
        started = time.perf_counter()
        nightly = deadlines_recompute_all()
        nightly_runs.append(time.perf_counter() - started)
    started, started_cpu = time.perf_counter(), time.process_time()
    deadlines_recompute_all(workers=1)
    single_s, single_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"Tính lại hằng đêm: {[round(x, 2) for x in nightly_runs]} s {nightly}", flush=True)
    started = time.perf_counter()
    tomorrow = deadlines_recompute_all(today=timezone.localdate() + dt.timedelta(days=1))
    tomorrow_s = time.perf_counter() - started

    latencies, cpu, worst = _register_latencies(args.rounds)
    register = summarize(latencies)
    register_cpu = summarize(cpu)
    print(f"Sổ thụ lý: {register}", flush=True)

    province = Unit.objects.get(name="Viện kiểm sát nhân dân tỉnh Thăng Hoa")
    today = timezone.localdate()
    stats_runs = []
    for _ in range(5):
        started = time.perf_counter()
        stats.unit_statistics(
            unit=province,
            date_from=dt.date(today.year - 1, 1, 1),
            date_to=dt.date(today.year - 1, 12, 31),
        )
        stats_runs.append(time.perf_counter() - started)
    print(f"Thống kê một năm của tỉnh: {[round(x, 3) for x in stats_runs]} s", flush=True)

    results = {
        "database": "postgresql",
        "cases": totals["cases"],
        "accused": totals["accused"],
        "events": totals["events"],
        "open_cases": open_cases,
        "stored_deadlines": ComputedDeadline.objects.count(),
        "running_deadlines": ComputedDeadline.objects.filter(running=True).count(),
        "generate_s": round(generate_s, 1),
        "p95_ms": register["p95_ms"],
        "register": register,
        "register_slowest_ms": worst,
        "register_p95_cpu_ms": register_cpu["p95_ms"],
        "deadlines_recompute_s": round(min(nightly_runs), 3),
        "deadlines_recompute_runs_s": [round(x, 3) for x in nightly_runs],
        "deadlines_recompute_median_s": round(sorted(nightly_runs)[len(nightly_runs) // 2], 3),
        "deadlines_recompute_workers": __import__(
            "digitaldesk.cases.deadlines", fromlist=["x"]
        ).recompute_workers(),
        "deadlines_recompute_one_process_s": round(single_s, 3),
        "deadlines_recompute_one_process_cpu_s": round(single_cpu_s, 3),
        "deadlines_initial_s": round(initial_s, 3),
        "deadlines_next_day_s": round(tomorrow_s, 3),
        "deadlines_next_day_changes": {k: v for k, v in tomorrow.items() if k != "cases"},
        "stats_s": round(min(stats_runs), 3),
        "stats_runs_s": [round(x, 3) for x in stats_runs],
        "targets": {"p95_ms": 150, "deadlines_recompute_s": 5, "stats_s": 1},
        "loadavg_1m_at_start": load_at_start,
    }
    if args.no_write:
        import json

        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        write_results("cases", results)


if __name__ == "__main__":
    main()
