"""Persona × object × action over EVERY URL the desk serves (docs/security.md, "Ma trận phân
quyền"). The endpoints come from Django's URL resolver, so a new one is in the matrix by being
added; tests/security/endpoints.py says what each must allow. For every cell the answer must be
what the permission model promises; a refused write must leave the database as it was; a
forbidden object must answer like a missing one. Every failing cell is reported at the end."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tests.security.endpoints import (
    ADMIN_SITE_PREFIX,
    CLOSED,
    PUBLIC,
    RULES,
    SEES,
    Endpoint,
    Rule,
    classify,
    endpoints,
    url_from_route,
)
from tests.security.world import MISSING_ID, MISSING_UUID, World, build_world

# The personas of the demo organisation (accounts/demo.py) the matrix acts as.
PERSONAS = {
    "huong": "Viện trưởng VKSND tỉnh",
    "minh": "Kiểm sát viên Phòng 2, thụ lý vụ án",
    "mai": "Kiểm sát viên Phòng 2, không thụ lý (chỉ được xem)",
    "lan": "Văn thư Văn phòng",
    "kv1_ksv": "Kiểm sát viên VKSND khu vực 1 (đơn vị khác)",
    "thanhtra": "Thanh tra (xem nhật ký)",
    "dung": "Quản trị hệ thống",
    "anonymous": "chưa đăng nhập",
}

# Rows a refusal may legitimately write: its audit record, the session, a notification.
EXEMPT_TABLES = {
    "audit_auditevent",
    "audit_audithead",
    "django_session",
    "notifications_notification",
    "live_event",  # live updates follow the notifications (a bell refresh), docs/live.md
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
LOGIN_PATH = "/dang-nhap/"


# --- classification (no database) -------------------------------------------------------------


def test_every_endpoint_is_classified() -> None:
    """A URL pattern nobody classified fails here, with the way to classify it."""
    found = endpoints()
    unclassified = [f"{e.key}  (/{e.route})" for e in found if not classify(e)]
    assert not unclassified, (
        "Unclassified endpoints: add each to RULES (who may read/write, which object it names) "
        "or, only if it is meant for anonymous visitors, to PUBLIC with the reason, in "
        "tests/security/endpoints.py (docs/security.md, 'Ma trận phân quyền'):\n  "
        + "\n  ".join(unclassified)
    )
    keys = {e.key for e in found}
    stale = sorted(k for k in [*RULES, *PUBLIC, *CLOSED] if k not in keys)
    assert not stale, f"Rules for endpoints that no longer exist, remove them: {stale}"
    missing_kinds = sorted({r.kind for r in RULES.values() if r.kind and r.kind not in SEES})
    assert not missing_kinds, f"Object kinds without a SEES predicate: {missing_kinds}"


# --- the matrix -------------------------------------------------------------------------------


@dataclass
class Cell:
    endpoint: str
    method: str
    persona: str
    label: str
    url: str


class Matrix:
    def __init__(self, world: World) -> None:
        self.world = world
        self.failures: list[str] = []
        self.requests = 0
        self.snapshot_seconds = 0.0
        self.clients = {
            key: _client(world.org.people[key]) for key in PERSONAS if key != "anonymous"
        }
        self.clients["anonymous"] = Client(raise_request_exception=False)
        self.users = {key: world.org.people[key] for key in PERSONAS if key != "anonymous"}
        self.baseline = snapshot()

    # -- one request, inside a savepoint so that every cell starts from the same database
    def request(self, cell: Cell, *, check_unchanged: bool) -> tuple[HttpResponse, list[str]]:
        client = self.clients[cell.persona]
        # A message left by the previous cell (kept in a cookie, outside the rolled-back
        # database) would show on this page.
        client.cookies.pop("messages", None)
        api = cell.url.startswith("/api/")
        sid = transaction.savepoint()
        changed: list[str] = []
        try:
            self.requests += 1
            # The log is a bounded deque: once full, a capture would see nothing. Start empty.
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                response = self._send(client, cell, api)
            if check_unchanged and writes_to_tables(queries.captured_queries):
                started = time.monotonic()
                after = snapshot()
                self.snapshot_seconds += time.monotonic() - started
                changed = sorted(
                    t
                    for t in set(after) | set(self.baseline)
                    if after.get(t) != self.baseline.get(t)
                )
        finally:
            transaction.savepoint_rollback(sid)
        return response, changed

    @staticmethod
    def _send(client: Client, cell: Cell, api: bool) -> Any:
        if cell.method == "GET":
            return client.get(cell.url)
        if api:
            return client.generic(cell.method, cell.url, "{}", content_type="application/json")
        return client.generic(
            cell.method, cell.url, "", content_type="application/x-www-form-urlencoded"
        )

    def fail(self, cell: Cell, message: str) -> None:
        self.failures.append(
            f"{cell.method} {cell.url} [{cell.endpoint}] as {cell.persona} "
            f"on {cell.label}: {message}"
        )


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="digitaldesk.accounts.backends.DeskBackend")
    session = client.session
    session["last_activity"] = time.time()
    session.save()
    return client


WRITE_STATEMENT = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?', re.IGNORECASE
)


def writes_to_tables(queries: list[dict[str, Any]]) -> bool:
    """Whether the request sent a statement that may have changed a table outside EXEMPT_TABLES
    (then the whole database is compared with the snapshot taken before). Statements that are not
    plain SELECTs or savepoints and are not recognised count as writes."""
    for query in queries:
        sql = str(query["sql"]).lstrip()
        head = sql[:10].upper()
        if head.startswith(("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "WITH", "SET ")):
            continue
        match = WRITE_STATEMENT.match(sql)
        if match is None or match.group(1) not in EXEMPT_TABLES:
            return True
    return False


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a hash of the content of every table but EXEMPT_TABLES."""
    state: dict[str, tuple[int, str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in EXEMPT_TABLES:
                continue
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (names from the schema)
            rows = sorted(repr(row) for row in cursor.fetchall())
            state[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return state


def outcome(response: HttpResponse) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if status == 401 or (status == 302 and location.startswith(LOGIN_PATH)):
        return "login"
    if status == 302 and location.startswith("/quan-tri-ky-thuat/login/"):
        return "admin-login"
    return {403: "forbidden", 404: "notfound", 405: "method"}.get(
        status, "error" if status >= 500 else "allowed"
    )


def methods_of(endpoint: Endpoint) -> list[str]:
    """The methods a class-based view defines; GET and POST for a function view (a 405 answer
    then says it does not take that one)."""
    view = getattr(endpoint.callback, "view_class", None) or getattr(endpoint.callback, "cls", None)
    if view is None:
        return declared_methods(endpoint.callback) or ["GET", "POST"]
    return [m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]


def declared_methods(func: Any) -> list[str] | None:
    """The list given to require_http_methods (require_GET, require_POST) around a view."""
    while func is not None:
        for cell in func.__closure__ or ():
            value = cell.cell_contents
            if (
                isinstance(value, list)
                and value
                and all(isinstance(m, str) and m.isupper() for m in value)
            ):
                return [m for m in value if m != "HEAD"]
        func = getattr(func, "__wrapped__", None)
    return None


def _normalised(response: HttpResponse, url: str) -> str:
    """The body without what differs on every request (CSRF token, CSP nonce) or names the URL."""
    if getattr(response, "streaming", False):
        return ""
    text = response.content.decode(errors="replace").replace(url, "<url>")
    return re.sub(
        r'(csrfmiddlewaretoken" value=|nonce=|csrf-token" content=|"X-CSRFToken": )'
        r'"[^"]*"',
        "",
        text,
    )


def objects_of(world: World, rule: Rule) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    if rule.kind is None:
        yield "-", None, dict(rule.extra)
        return
    for label, obj in world.objects.get(rule.kind, {}).items():
        yield label, obj, {**world.kwargs[rule.kind][label], **rule.extra}


def expected(rule: Rule, method: str, persona: str, user: Any, obj: Any) -> str:
    """'login', 'notfound', 'forbidden', 'redirect' (refused back to the object with a message),
    'allowed', or 'method' (the endpoint does not take it)."""
    pred = rule.read if method == "GET" else rule.write
    if pred is None:
        return "method"
    if persona == "anonymous":
        return "login"
    if method == "GET" and rule.get:
        return rule.get
    allowed = pred(user, obj)
    if rule.role_first and not allowed:
        return "forbidden"
    if rule.kind and not SEES[rule.kind](user, obj):
        return "notfound"
    if allowed:
        return "allowed"
    return {403: "forbidden", 404: "notfound", 302: "redirect", 400: "invalid"}[rule.refused]


def agrees(want: str, response: HttpResponse, api: bool, write: bool) -> bool:
    got = outcome(response)
    if want in ("redirect", "invalid"):
        return response.status_code == {"redirect": 302, "invalid": 400}[want] and got == "allowed"
    if want == "forbidden" and write and response.status_code == 400:
        return True  # the (empty) body was refused before the role: nothing was written
    return got == want


def run_rule(matrix: Matrix, endpoint: Endpoint, rule: Rule) -> None:
    world = matrix.world
    for label, obj, values in objects_of(world, rule):
        absent = [k for k in endpoint.kwargs if values.get(k) is None]
        if absent:
            matrix.failures.append(
                f"{endpoint.key}: no demo value for {absent} on {rule.kind} "
                f"{label}; add it in tests/security/world.py"
            )
            continue
        kwargs = {k: values[k] for k in endpoint.kwargs}
        url = reverse(endpoint.key, kwargs=kwargs)
        first = endpoint.kwargs[0] if rule.kind else ""
        absent_id = MISSING_UUID if isinstance(values.get(first), uuid.UUID) else MISSING_ID
        missing_url = (
            reverse(endpoint.key, kwargs={**kwargs, first: absent_id}) if rule.kind else ""
        )
        first_label = label == next(iter(world.objects[rule.kind])) if rule.kind else False
        for method in methods_of(endpoint):
            for persona in PERSONAS:
                run_cell(
                    matrix,
                    rule,
                    Cell(endpoint.key, method, persona, label, url),
                    obj,
                    missing_url if first_label else "",
                )


def run_cell(matrix: Matrix, rule: Rule, cell: Cell, obj: Any, missing_url: str) -> None:
    user = matrix.users.get(cell.persona)
    write = cell.method in WRITES
    want = expected(rule, cell.method, cell.persona, user, obj)
    if want == "method" and write and rule.read is not None:
        # A page that takes no writes may answer a POST like a GET; it must not change anything.
        want = expected(rule, "GET", cell.persona, user, obj)
        method_free = True
    else:
        method_free = False
    response, changed = matrix.request(
        cell, check_unchanged=write and (want != "allowed" or method_free)
    )
    got = outcome(response)
    api = cell.url.startswith("/api/")
    if got == "method" and (want != "method" or method_free) and cell.persona != "anonymous":
        return  # a function view that does not take this method
    if not agrees(want, response, api, write) and not (
        want == "method" and got in ("login", "notfound") and cell.persona == "anonymous"
    ):
        matrix.fail(cell, f"expected {want}, got {response.status_code} ({got})")
    if changed:
        matrix.fail(cell, f"refused write changed the database: {changed}")
    if missing_url and cell.persona != "anonymous" and got not in ("method", "error"):
        check_missing(matrix, cell, missing_url, rule, user, obj, response, want)


def check_missing(
    matrix: Matrix,
    cell: Cell,
    missing_url: str,
    rule: Rule,
    user: Any,
    obj: Any,
    response: HttpResponse,
    want: str,
) -> None:
    """An id that does not exist answers like an object the persona may not see."""
    hidden = Cell(cell.endpoint, cell.method, cell.persona, "missing", missing_url)
    missing, changed = matrix.request(hidden, check_unchanged=cell.method in WRITES)
    got = outcome(missing)
    expect_missing = "forbidden" if (rule.role_first and want == "forbidden") else "notfound"
    if cell.method == "GET" and rule.get:
        expect_missing = rule.get  # answered without looking the object up
    if not agrees(expect_missing, missing, cell.url.startswith("/api/"), cell.method in WRITES):
        matrix.fail(
            hidden,
            f"a missing id answers {missing.status_code} ({got}); an existing "
            f"one answers {response.status_code} ({outcome(response)})",
        )
    elif (
        want == outcome(response) == "notfound"
        and not SEES[rule.kind or ""](user, obj)
        and _normalised(response, cell.url) != _normalised(missing, missing_url)
    ):
        matrix.fail(hidden, "the 404 of a forbidden object differs from a missing one's")
    if changed:
        matrix.fail(hidden, f"refused write changed the database: {changed}")


def run_admin_site(matrix: Matrix, endpoint: Endpoint) -> None:
    """No desk persona is staff: every page of the Django admin sends to its login (or, once the
    admin is routed through the desk's login, to that), and its login is no second way in."""
    fill = {"app_label": "accounts", "object_id": "1", "content_type_id": 1, "url": "x/"}
    values = {k: fill.get(k, "1") for k in endpoint.kwargs}
    try:
        url = reverse(endpoint.key, kwargs=values)
    except NoReverseMatch:
        url = url_from_route(endpoint.route, values)
    login_page = endpoint.key == f"{ADMIN_SITE_PREFIX}login"
    for persona in PERSONAS:
        for method in ("GET", "POST"):
            cell = Cell(endpoint.key, method, persona, "-", url)
            response, changed = matrix.request(cell, check_unchanged=method == "POST")
            got = outcome(response)
            if login_page:
                ok = got in ("login", "notfound", "method") or (
                    got == "allowed" and b'type="password"' not in response.content
                )
                if not ok and method == "GET":
                    matrix.fail(
                        cell, f"the admin login is a second way in ({response.status_code})"
                    )
            elif got not in ("admin-login", "login", "notfound") and not (
                endpoint.key == f"{ADMIN_SITE_PREFIX}logout"
                and response.status_code == 302
                and response["Location"] == reverse("admin:index")
            ):  # logout -> index -> login
                matrix.fail(cell, f"expected a login redirect, got {response.status_code} ({got})")
            if changed:
                matrix.fail(cell, f"refused write changed the database: {changed}")


def run_public(matrix: Matrix, endpoint: Endpoint) -> None:
    """A public endpoint answers an anonymous GET without a server error."""
    try:
        url = reverse(
            endpoint.key, kwargs={k: "issuing" if k == "name" else "x" for k in endpoint.kwargs}
        )
    except NoReverseMatch:
        url = "/" + endpoint.route.replace("^", "").replace(
            "(applications|authorized_tokens)/", "applications/"
        )
    cell = Cell(endpoint.key, "GET", "anonymous", "-", url)
    response, _ = matrix.request(cell, check_unchanged=False)
    if response.status_code >= 500:
        matrix.fail(cell, f"server error {response.status_code}")


def check_the_change_detector(matrix: Matrix) -> None:
    """The database check sees a change: renaming a case is a write and changes the snapshot."""
    from digitaldesk.cases.models import Case

    case = matrix.world.objects["case"]["own"]
    sid = transaction.savepoint()
    try:
        with CaptureQueriesContext(connection) as queries:
            Case.objects.filter(pk=case.pk).update(name="Đổi tên trái phép")
        assert writes_to_tables(queries.captured_queries)
        assert snapshot()["cases_case"] != matrix.baseline["cases_case"]
    finally:
        transaction.savepoint_rollback(sid)
    assert snapshot() == matrix.baseline


def run_closed(matrix: Matrix, endpoint: Endpoint) -> None:
    """A path the desk closes answers 404 to everyone, whatever the method."""
    values = {k: "1" for k in endpoint.kwargs}
    try:
        url = reverse(endpoint.key, kwargs=values)
    except NoReverseMatch:
        url = url_from_route(endpoint.route, {**values, **dict.fromkeys(endpoint.kwargs, "device")})
    for persona in PERSONAS:
        for method in ("GET", "POST"):
            cell = Cell(endpoint.key, method, persona, "-", url)
            response, changed = matrix.request(cell, check_unchanged=method == "POST")
            if response.status_code != 404:
                matrix.fail(cell, f"a closed path answers {response.status_code}")
            if changed:
                matrix.fail(cell, f"refused write changed the database: {changed}")


@pytest.fixture
def world(org: Any, isolated_storage: None) -> World:
    return build_world(org)


@pytest.mark.django_db
@pytest.mark.timeout(1800)  # ~6,000 requests; on a loaded 2-core machine the wall clock stretches
def test_persona_object_action_matrix(world: World) -> None:
    matrix = Matrix(world)
    check_the_change_detector(matrix)
    # Thousands of expected 403/404 answers: their warnings (with tracebacks) are not logged;
    # server errors still are, and fail their cell.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        for endpoint in endpoints():
            kind = classify(endpoint)
            if kind == "rule":
                run_rule(matrix, endpoint, RULES[endpoint.key])
            elif kind == "admin":
                run_admin_site(matrix, endpoint)
            elif kind == "public":
                run_public(matrix, endpoint)
            elif kind == "closed":
                run_closed(matrix, endpoint)
    finally:
        request_log.setLevel(level)
    summary = (
        f"{len(matrix.failures)} failing cells of {matrix.requests} requests "
        f"({matrix.snapshot_seconds:.1f} s in database snapshots)"
    )
    print(summary)
    assert not matrix.failures, summary + ":\n" + "\n".join(matrix.failures)
