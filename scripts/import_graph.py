"""The import graph between the apps of digitaldesk, and its cycles.

    python scripts/import_graph.py              # cycles (strongly connected components) and edges
    python scripts/import_graph.py --edges      # every app-to-app edge with the imports behind it
    python scripts/import_graph.py --check      # exit 1 when there is a cycle between apps
    python scripts/import_graph.py --src ../other/src   # another checkout's source tree

Every `import digitaldesk.x...` and `from digitaldesk.x... import ...` counts, at module level
and inside functions alike (a function-local import still ties the two apps together; it only
hides the cycle from the interpreter). Relative imports are resolved against the importing
module. `TYPE_CHECKING`-only imports count too. Each module is collapsed to its app, the first
package under `digitaldesk` (`digitaldesk.cases.legal.deadlines` -> `cases`); `config` (settings
and the root URLconf, which list every app by design) is left out.

Reading the source with `ast` means nothing is imported or executed: the script needs neither
Django settings nor a database.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "digitaldesk"
IGNORED_APPS = frozenset({"config"})


def module_name(path: Path) -> str:
    """`src/digitaldesk/cases/events.py` -> `digitaldesk.cases.events`."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level?) for each import of the package in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    this = module_name(path)
    package_parts = this.split(".") if path.name == "__init__.py" else this.split(".")[:-1]
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from digitaldesk.cases import events` imports the module cases.events.
            names = [
                f"{prefix}.{alias.name}" if alias.name != "*" else prefix for alias in node.names
            ]
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                found.append((name, node.lineno, id(node) in top_level))
    return found


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != PACKAGE:
        return None
    app = parts[1]
    if app in IGNORED_APPS or not (ROOT / PACKAGE / app).is_dir():
        return None  # a top-level module of the package (manage.py), not an app
    return app


def app_graph() -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) -> the imports behind that edge, as `file:line (local)`."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        source = app_of(module_name(path))
        if source is None:
            continue
        for target_module, line, top in imported_modules(path):
            target = app_of(target_module)
            if target is None or target == source:
                continue
            where = f"{path.relative_to(ROOT.parent)}:{line}{'' if top else ' (local)'}"
            edges[(source, target)].append(f"{where} -> {target_module}")
    return edges


def strongly_connected(nodes: set[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm; components of more than one app (cycles), largest first."""
    successors: dict[str, list[str]] = defaultdict(list)
    for source, target in sorted(edges):
        successors[source].append(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in successors[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(components, key=lambda c: (-len(c), c))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", action="store_true", help="list every edge and its imports")
    parser.add_argument("--check", action="store_true", help="exit 1 when apps import in a cycle")
    parser.add_argument(
        "--src", type=Path, help="the source tree to read (default: this checkout's)"
    )
    options = parser.parse_args(argv)
    if options.src is not None:
        global ROOT
        ROOT = options.src.resolve()

    edges = app_graph()
    pairs = set(edges)
    nodes = {app for pair in pairs for app in pair}
    components = strongly_connected(nodes, pairs)
    two_way = sorted((a, b) for a, b in pairs if a < b and (b, a) in pairs)

    print(
        f"{len(nodes)} apps, {len(pairs)} app-to-app edges, "
        f"{len(two_way)} pairs importing each other, {len(components)} cycle(s)"
    )
    for number, component in enumerate(components, start=1):
        print(f"\ncycle {number}: {', '.join(component)}")
        for source, target in sorted(pairs):
            if source in component and target in component:
                local = sum(1 for where in edges[(source, target)] if "(local)" in where)
                print(
                    f"  {source} -> {target}: {len(edges[(source, target)])} import(s), "
                    f"{local} function-local"
                )
    if two_way:
        print("\npairs importing each other: " + ", ".join(f"{a} <-> {b}" for a, b in two_way))
    if options.edges:
        for (source, target), where in sorted(edges.items()):
            print(f"\n{source} -> {target}")
            for entry in where:
                print(f"  {entry}")
    return 1 if options.check and components else 0


if __name__ == "__main__":
    sys.exit(main())
