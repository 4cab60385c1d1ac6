"""Architecture: imports only point down the layer graph, no cycles between packages, small modules.

Layers (ARCHITECTURE.md, issue 11), lowest first:
hygiene (pure) < compliance foundation (errors, ids, clock, settings, logs, mailer) < crypto < store <
access, audit, policy < subjects < consent < dsar, stewardship, retention < keys, jobs, demo <
compliance assembly (services, instance, migrations) < api, cli.

Every import counts: module level, inside functions, under TYPE_CHECKING, relative, and string literals given to
importlib.import_module / importlib.util.find_spec (a probe is a dependency too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hygiene", "compliance", "api", "cli")
FORBIDDEN = {
    "compliance": {"flask", "click", "werkzeug", "api", "cli", "jinja2", "gunicorn"},
    "hygiene": {"flask", "click", "werkzeug", "peewee", "compliance", "api", "cli", "psycopg"},
}

# Unit (a node of the package graph) -> layer rank. A module maps to its unit by its dotted name; a module whose
# unit is missing here fails test_every_module_has_a_layer, so a new package is placed deliberately.
LAYERS: dict[str, int] = {
    "policies": 0,  # the shipped policy files: data only
    "hygiene": 0,
    "compliance": 1,  # compliance/__init__.py
    "compliance.errors": 1,
    "compliance.ids": 1,
    "compliance.clock": 1,
    "compliance.settings": 1,
    "compliance.logs": 1,
    "compliance.mailer": 1,
    "compliance.crypto": 2,
    "compliance.store": 3,
    "compliance.access": 4,
    "compliance.audit": 4,
    "compliance.policy": 4,
    "compliance.subjects": 5,
    "compliance.consent": 6,
    "compliance.dsar": 7,
    "compliance.stewardship": 7,
    "compliance.retention": 7,
    "compliance.keys": 8,
    "compliance.backup": 8,
    "compliance.jobs": 8,
    "compliance.demo": 8,
    "compliance.services": 9,
    "compliance.instance": 9,
    "compliance.migrations": 9,
    "api": 10,
    "cli": 10,
}
OUR_ROOTS = {unit.split(".")[0] for unit in LAYERS}
MAX_LINES = 400
# Pure data tables may be longer; each listed file must hold no function or class (checked below).
LONG_DATA_TABLES = ("hygiene/data/*.py",)
_IMPORTLIB_CALLS = {"import_module", "find_spec"}


@dataclass(frozen=True)
class Edge:
    """One import: the importing module, the imported dotted name and the line it is on."""

    module: str
    target: str
    line: int


def module_name(root: Path, path: Path) -> str:
    """Dotted name of a source file under root (a package's __init__ is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit_of(dotted: str) -> str | None:
    """The graph node a dotted module name belongs to (None for third-party and standard-library modules)."""
    parts = dotted.split(".")
    if parts[0] not in OUR_ROOTS:
        return None
    if parts[0] != "compliance" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, name] if name else base)


def imports_of(root: Path, path: Path) -> Iterator[Edge]:
    """Every import in a module, wherever it stands (module level, functions, conditionals)."""
    module = module_name(root, path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Edge(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = _resolve_relative(module, is_package, node.level, node.module)
            # `from compliance import services` imports the submodule compliance.services.
            for alias in node.names:
                yield Edge(module, f"{base}.{alias.name}" if alias.name != "*" else base, node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in _IMPORTLIB_CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield Edge(module, first.value, node.lineno)


def source_files(root: Path, packages: Iterable[str] = PACKAGES) -> list[Path]:
    """Every Python module of the given top-level packages."""
    return sorted(p for package in packages for p in (root / package).rglob("*.py"))


def package_edges(root: Path) -> list[tuple[str, str, Edge]]:
    """(importing unit, imported unit, edge) for every import between two of our units."""
    out = []
    for path in source_files(root):
        for edge in imports_of(root, path):
            source, target = unit_of(edge.module), unit_of(edge.target)
            if source is not None and target is not None:
                out.append((source, target, edge))
    return out


def upward_imports(root: Path) -> list[str]:
    """Imports that point to a higher layer, as 'module:line -> target (source layer < target layer)'."""
    found = []
    for source, target, edge in package_edges(root):
        if source in LAYERS and target in LAYERS and LAYERS[target] > LAYERS[source]:
            found.append(f"{edge.module}:{edge.line} -> {edge.target} ({source} {LAYERS[source]} < {LAYERS[target]})")
    return sorted(found)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted, as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def unit_graph(root: Path) -> dict[str, set[str]]:
    """Unit -> units it imports (self-imports left out)."""
    graph: dict[str, set[str]] = {}
    for source, target, _ in package_edges(root):
        graph.setdefault(source, set())
        if source != target:
            graph[source].add(target)
    return graph


def cycle_report(root: Path) -> list[str]:
    """Each cycle between units, with the imports that close it, as readable lines.

    Within a cycle, imports that point strictly down are the expected direction; the ones that close the loop point
    sideways (same layer) or up, so only those are named.
    """
    graph = unit_graph(root)
    report = []
    for component in cycles(graph):
        members = set(component)
        witnesses = sorted(
            {
                f"{edge.module}:{edge.line} -> {target}"
                for source, target, edge in package_edges(root)
                if source in members
                and target in members
                and source != target
                and LAYERS.get(target, 0) >= LAYERS.get(source, 0)
            }
        )
        report.append(" <-> ".join(component) + ": " + "; ".join(witnesses))
    return report


def long_modules(root: Path, limit: int = MAX_LINES) -> list[str]:
    """Modules over the line limit, as 'path: lines', data tables excepted."""
    out = []
    for path in source_files(root):
        relative = path.relative_to(root).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit and not any(fnmatch(relative, pattern) for pattern in LONG_DATA_TABLES):
            out.append(f"{relative}: {lines}")
    return out


# ---------------------------------------------------------------------------------------------------------
# The checks on this tree


def imported_roots(path: Path) -> set[str]:
    """Top-level package names imported anywhere in a module (including inside functions)."""
    root = ROOT if path.is_relative_to(ROOT) else path.parent
    return {edge.target.split(".")[0] for edge in imports_of(root, path) if edge.target}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden_layers(package):
    offenders = {}
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    for path in files:
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_every_module_has_a_layer():
    units = {unit_of(module_name(ROOT, path)) for path in source_files(ROOT)}
    assert sorted(u for u in units if u not in LAYERS) == [], "place these packages in LAYERS"
    imported = {target for _, target, _ in package_edges(ROOT)}
    assert sorted(u for u in imported if u not in LAYERS) == []


def test_imports_point_down_the_layers():
    found = upward_imports(ROOT)
    assert found == [], "\n" + "\n".join(found)


def test_no_cycles_between_packages():
    found = cycle_report(ROOT)
    assert found == [], "\n" + "\n".join(found)


def test_no_module_over_the_line_limit():
    found = long_modules(ROOT)
    assert found == [], "\n" + "\n".join(found)


def test_long_data_tables_hold_only_data():
    for pattern in LONG_DATA_TABLES:
        for path in ROOT.glob(pattern):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            code = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
            assert code == [], f"{path.relative_to(ROOT)} is allowed to be long as a data table: keep code out of it"


def test_the_graph_covers_the_tree():
    # Guards the checks above against passing on an empty graph.
    graph = unit_graph(ROOT)
    assert {"compliance.store", "compliance.subjects", "compliance.dsar", "api", "cli"} <= set(graph)
    assert "compliance.store" in graph["compliance.subjects"]


# ---------------------------------------------------------------------------------------------------------
# Self-tests on synthetic trees: the detectors catch what they are for


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
    return root


def test_detector_catches_a_function_local_framework_import(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from flask import request\n")
    assert "flask" in imported_roots(sample)


def test_detector_catches_an_upward_import_in_any_form(tmp_path):
    root = _tree(
        tmp_path,
        {
            "compliance/__init__.py": "",
            "compliance/store/__init__.py": "",
            "compliance/store/models.py": "def f():\n    from compliance.consent import ledger\n",
            "compliance/store/db.py": "from ..subjects import profiles\n",
            "compliance/crypto/keys.py": "import importlib\nimportlib.import_module('compliance.keys.rotation')\n",
            "compliance/errors.py": "from compliance import services\n",
            "compliance/consent/ledger.py": "from compliance.store import models\nfrom . import rules\n",
            "hygiene/score.py": "from compliance.ids import new_id\n",
        },
    )
    assert upward_imports(root) == [
        "compliance.crypto.keys:2 -> compliance.keys.rotation (compliance.crypto 2 < 8)",
        "compliance.errors:1 -> compliance.services (compliance.errors 1 < 9)",
        "compliance.store.db:1 -> compliance.subjects.profiles (compliance.store 3 < 5)",
        "compliance.store.models:2 -> compliance.consent.ledger (compliance.store 3 < 6)",
        "hygiene.score:1 -> compliance.ids.new_id (hygiene 0 < 1)",
    ]


def test_detector_catches_a_cycle_within_one_layer(tmp_path):
    root = _tree(
        tmp_path,
        {
            "compliance/access/actor.py": "from compliance.audit.log import AuditEntry\n",
            "compliance/audit/log.py": "def f():\n    from compliance.access import actor\n",
            "compliance/policy/loader.py": "from compliance.access.actor import Actor\n",
        },
    )
    assert upward_imports(root) == []  # same layer: allowed by rank, caught as a cycle
    assert cycle_report(root) == [
        "compliance.access <-> compliance.audit: compliance.access.actor:1 -> compliance.audit; "
        "compliance.audit.log:2 -> compliance.access"
    ]


def test_cycle_finder_on_a_longer_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_line_limit_detector(tmp_path):
    root = _tree(
        tmp_path,
        {
            "compliance/store/big.py": "x = 1\n" * (MAX_LINES + 1),
            "compliance/store/ok.py": "x = 1\n" * MAX_LINES,
            "hygiene/data/names.py": "X = 1\n" * (MAX_LINES + 50),
        },
    )
    assert long_modules(root) == [f"compliance/store/big.py: {MAX_LINES + 1}"]
