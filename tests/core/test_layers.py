"""The plug-in points keep the lower layers free of the apps that plug into them (issue 17):
the core, the desk and the search app import none of the domain apps, no two apps import each
other, every app has its place in the import-linter layer contract (which `lint-imports` checks in
scripts/test.sh), and no module imports another module's private (underscore) name. Read from the
source with scripts/import_graph.py."""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

REPOSITORY = Path(__file__).resolve().parents[2]
DOMAIN_APPS = {
    "cases",
    "documents",
    "casefiles",
    "signing",
    "holidays",
    "ocr",
    "exchange",
    "agenda",
    "schedule",
}


def _import_graph() -> ModuleType:
    script = REPOSITORY / "scripts" / "import_graph.py"
    spec = importlib.util.spec_from_file_location("import_graph", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_core_desk_and_search_import_no_app_that_plugs_into_them() -> None:
    edges = _import_graph().app_graph()
    wrong = {
        f"{source} -> {target}: {where}"
        for (source, target), imports in edges.items()
        for where in imports
        if (source == "core")
        or (source in {"desk", "search"} and target in DOMAIN_APPS | {"audit", "notifications"})
    }
    assert sorted(wrong) == []


def test_exchange_and_agenda_are_imported_by_no_other_app() -> None:
    edges = _import_graph().app_graph()
    assert sorted(f"{s} -> {t}" for s, t in edges if t in {"exchange", "agenda"}) == []


def test_no_import_cycle_between_apps() -> None:
    graph = _import_graph()
    edges = set(graph.app_graph())
    nodes = {app for edge in edges for app in edge}
    assert graph.strongly_connected(nodes, edges) == []


def test_every_app_has_its_place_in_the_layer_contract() -> None:
    """A new app must be placed in `[tool.importlinter]` (pyproject.toml), or lint-imports would
    not check it at all."""
    config = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    placed = {
        name.strip().removeprefix("digitaldesk.")
        for layer in contract["layers"]
        for name in layer.split("|")
    }
    apps = {path.parent.name for path in (REPOSITORY / "src" / "digitaldesk").glob("*/__init__.py")}
    assert sorted(apps - placed) == []


def test_live_imports_no_other_app_of_the_desk() -> None:
    """`live` is the platform's event channel: every app may publish on it, so it imports none
    of them (the channel registry is how apps plug in, docs/live.md)."""
    edges = _import_graph().app_graph()
    assert (
        sorted(f"live -> {t}" for s, t in edges if s == "live" and t not in {"core", "law"}) == []
    )


DJANGO_API = {"_meta", "_default_manager", "_base_manager"}  # public API despite the underscore


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in DJANGO_API


def test_no_module_imports_a_private_name_of_another_module() -> None:
    """Neither `from digitaldesk.x import _name` nor `x._name` on a name imported from the
    project."""
    source_root = REPOSITORY / "src" / "digitaldesk"
    found = []
    for path in sorted(source_root.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # a migration names the callable it was generated with (e.g. a default)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported: set[str] = set()
        where = path.relative_to(REPOSITORY)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("digitaldesk"):
                for alias in node.names:
                    imported.add(alias.asname or alias.name)
                    if _private(alias.name):
                        found.append(f"{where}:{node.lineno} {node.module}.{alias.name}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and _private(node.attr)
            ):
                found.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}")
    assert found == []
