"""Dependencies run one way: read every module's imports and check the package rules.

The core (``jit/``) never imports a domain package; ``evidence`` and ``agreements``
do not import each other; no two packages import each other, directly or round a
longer loop. Every import counts, module level or inside a function, and so does a
dynamic import of a name written in the code (``import_module("evidence.access")``);
only imports under ``if TYPE_CHECKING:`` are skipped, since they never run.

The one place allowed to compose domain packages is the app factory and the demo (with
its case-scale mode, ``jit demo --scale``), and only by name through
``jit.packages.DOMAIN_PACKAGES`` and ``importlib``: they import a package whose name they
read from that list, never one they spell out.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPLICATION_PACKAGES = ("jit", "evidence", "agreements", "search")
DOMAIN_PACKAGES = (
    "evidence",
    "evidence.bundles",
    "evidence.firearms",
    "agreements",
    "search",
    "jit.chat",
)
# Chat lives inside jit/ but is a domain package like the others (docs/architecture.md).
CORE_SUBPACKAGES_THAT_ARE_DOMAINS = ("jit.chat",)
FORBIDDEN_FOR_CORE = ("evidence", "agreements", "search")
# The composition point: these modules import domain packages by a name they read from
# jit.packages.DOMAIN_PACKAGES (a variable), which no other module may do.
COMPOSITION_MODULES = ("jit.packages", "jit.app", "jit.demo", "jit.scale")
DYNAMIC_IMPORTERS = ("import_module", "__import__", "domain_module")


def module_name(path: Path) -> str:
    """Return the dotted name of the module at ``path``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def application_modules() -> dict[str, Path]:
    """Return every application module by dotted name (migration scripts left out)."""
    modules = {}
    for package in APPLICATION_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" in path.relative_to(ROOT).parts:
                continue  # Alembic scripts import no application code (docs/architecture.md)
            modules[module_name(path)] = path
    return modules


def _is_type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _walk_runtime(node: ast.AST):
    for child in ast.iter_child_nodes(node):
        if _is_type_checking_block(child):
            for orelse in child.orelse:
                yield orelse
                yield from _walk_runtime(orelse)
            continue
        yield child
        yield from _walk_runtime(child)


def _dynamic_import(node: ast.AST) -> list[ast.expr] | None:
    """Return the arguments of an ``import_module``-like call, else None."""
    if not isinstance(node, ast.Call):
        return None
    function = node.func
    called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return node.args if called in DYNAMIC_IMPORTERS else None


def imports_by_variable_name(path: Path) -> int:
    """Count the dynamic imports in ``path`` whose module name is not written in the code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sum(
        1
        for node in _walk_runtime(tree)
        if (arguments := _dynamic_import(node)) is not None
        and not all(isinstance(argument, ast.Constant) for argument in arguments)
    )


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Return the application modules that module ``name`` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _walk_runtime(tree):
        arguments = _dynamic_import(node)
        if arguments and all(isinstance(argument, ast.Constant) for argument in arguments):
            found.add(".".join(str(argument.value) for argument in arguments))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            # ``from jit import config`` imports the module jit.config, not jit's own
            # code; ``from jit.clock import utcnow`` imports jit.clock.
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in known else origin)
    return {target for target in found if target.split(".")[0] in APPLICATION_PACKAGES}


def unit_of(module: str) -> str:
    """Return the package a module belongs to for these rules.

    Each domain package is one unit; in the core, each subpackage or top-level module
    of ``jit`` is one (``jit.accounts``, ``jit.app``), and ``jit`` itself is its
    ``__init__``.
    """
    for domain in DOMAIN_PACKAGES:
        if module == domain or module.startswith(domain + "."):
            return domain
    parts = module.split(".")
    return ".".join(parts[:2])


def is_core(unit: str) -> bool:
    """Return whether ``unit`` is part of the core rather than a domain package."""
    return unit.split(".")[0] == "jit" and unit not in CORE_SUBPACKAGES_THAT_ARE_DOMAINS


def package_graph(modules: dict[str, Path]) -> dict[str, dict[str, set[str]]]:
    """Return ``{unit: {imported unit: {importing modules}}}`` between different units."""
    known = set(modules)
    graph: dict[str, dict[str, set[str]]] = {}
    for name, path in modules.items():
        source = unit_of(name)
        graph.setdefault(source, {})
        for target in imports_of(name, path, known):
            destination = unit_of(target)
            if destination != source:
                graph[source].setdefault(destination, set()).add(name)
    return graph


def forbidden_imports(graph) -> list[str]:
    """Return one line per import that breaks the direction rules."""
    problems = []
    for source, targets in sorted(graph.items()):
        for destination, importers in sorted(targets.items()):
            where = ", ".join(sorted(importers))
            if is_core(source) and destination in FORBIDDEN_FOR_CORE:
                problems.append(f"core {source} imports domain package {destination} ({where})")
            if {source, destination} == {"evidence", "agreements"}:
                problems.append(f"{source} imports {destination} ({where})")
    return problems


def cycles(graph) -> list[list[str]]:
    """Return the strongly connected groups of more than one unit (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for target in graph.get(unit, {}):
            if target not in index:
                visit(target)
                low[unit] = min(low[unit], low[target])
            elif target in on_stack:
                low[unit] = min(low[unit], index[target])
        if low[unit] == index[unit]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == unit:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return groups


@pytest.fixture(scope="module")
def graph():
    return package_graph(application_modules())


def test_the_core_never_imports_a_domain_package_and_evidence_and_agreements_stay_apart(graph):
    assert forbidden_imports(graph) == []


def test_no_two_packages_import_each_other(graph):
    described = []
    for group in cycles(graph):
        edges = [
            f"{source} -> {target} ({', '.join(sorted(graph[source][target]))})"
            for source in group
            for target in sorted(graph[source])
            if target in group
        ]
        described.append("; ".join(edges))
    assert described == []


def test_only_the_composition_point_imports_packages_by_a_name_it_reads():
    by_name = {
        name: count
        for name, path in application_modules().items()
        if (count := imports_by_variable_name(path))
    }
    assert set(by_name) <= set(COMPOSITION_MODULES), by_name


def test_the_composition_point_composes_exactly_the_domain_packages():
    from jit import packages

    assert sorted(packages.DOMAIN_PACKAGES) == sorted(DOMAIN_PACKAGES)


def test_the_rules_catch_a_core_module_importing_evidence_inside_a_function(tmp_path):
    source = "def late():\n    from evidence.models import EvidenceItem\n    return EvidenceItem\n"
    module = tmp_path / "late.py"
    module.write_text(source, encoding="utf-8")
    found = imports_of("jit.teams.late", module, {"evidence.models"})
    graph = {"jit.teams": {unit_of(target): {"jit.teams.late"} for target in found}}
    assert forbidden_imports(graph) == [
        "core jit.teams imports domain package evidence (jit.teams.late)"
    ]


def test_the_rules_catch_a_dynamic_import_of_a_domain_package_named_in_the_code(tmp_path):
    module = tmp_path / "hook.py"
    module.write_text('import importlib\nimportlib.import_module("agreements.gate")\n')
    assert imports_of("jit.gates", module, set()) == {"agreements.gate"}
    assert imports_by_variable_name(module) == 0


def test_the_rules_catch_a_loop_through_three_packages():
    graph = {
        "jit.a": {"jit.b": {"jit.a.x"}},
        "jit.b": {"jit.c": {"jit.b.y"}},
        "jit.c": {"jit.a": {"jit.c.z"}},
    }
    assert cycles(graph) == [["jit.a", "jit.b", "jit.c"]]
