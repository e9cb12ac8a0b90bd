"""The package's layout, drawn from its imports: a folder per stage, arrows that run one way.

Commands (`bankruptcy.cli`) sit on top, stages in the middle, `bankruptcy.core` at the bottom;
the package root holds only ``__init__`` and the ``python -m bankruptcy.<command>`` shims, and
a package's ``__main__`` is such a shim (an entry point nothing imports).
"""

from __future__ import annotations

import ast
from collections import defaultdict

from tests.cli.test_commands import COMMANDS
from tests.helpers import ROOT

PACKAGE = ROOT / "bankruptcy"


PACKAGES = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def module_imports() -> dict[str, set[str]]:
    """Module -> every module or package it imports (anywhere in its body, absolute names)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found[module] |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                found[module] |= {a.name for a in node.names}
    return found


def package_of(module: str) -> str | None:
    """The package under ``bankruptcy`` a module belongs to; None for root shims and
    ``__main__`` entry points."""
    parts = module.split(".")
    if parts[0] != "bankruptcy" or len(parts) < 2 or parts[-1] == "__main__":
        return None
    return parts[1] if parts[1] in PACKAGES else None


def stage_graph() -> dict[str, set[str]]:
    """Package -> the other packages its modules import."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module, imported in module_imports().items():
        source = package_of(module)
        for target in filter(None, map(package_of, imported)):
            if source and target != source:
                graph[source].add(target)
    return graph


def test_no_cycles_between_packages():
    graph = stage_graph()

    def path_back(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*path, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [" -> ".join(c) for s in sorted(graph) if (c := path_back(s))]
    assert not cycles, cycles


def test_commands_on_top_and_core_at_the_bottom():
    graph = stage_graph()
    assert not [s for s, targets in graph.items() if "cli" in targets]
    assert graph.get("core", set()) == set()


def test_package_root_holds_only_init_and_command_shims():
    root_modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert root_modules - {"__init__"} <= set(COMMANDS)
    for command in root_modules - {"__init__"}:
        tree = ast.parse((PACKAGE / f"{command}.py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert imported == {f"bankruptcy.cli.{command}"}, command  # a shim, nothing more


def test_config_becomes_objects_in_the_builder_only():
    users = {
        module
        for module, imported in module_imports().items()
        if {"hydra.utils.instantiate", "hydra.utils.call"} & imported
    }
    calls = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in PACKAGE.rglob("*.py")
        if "utils.instantiate(" in p.read_text()
    }
    assert users | calls == {"bankruptcy.experiment.builder"}
