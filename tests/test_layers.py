"""The direction of imports between layers and areas, read from the source (ast), including imports made inside
functions: rules (services, models) never reach up into views or the web layer, ``outcomes`` computes and never
calls ``evaluation`` (which orchestrates, publishes and exports), and ``notifications`` never imports ``auth``
(auth sends mail and notices through notifications)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "incubator"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def known_modules() -> set[str]:
    return {module_name(path) for path in PACKAGE.rglob("*.py")}


def imported_modules(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """Every module of the project that ``source`` (module ``name``) imports, anywhere in its body."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from . import views`` imports the module ``views``, not a name of the package
            found.update(f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in modules)
    return {module for module in found if module == "incubator" or module.startswith("incubator.")}


def import_graph() -> dict[str, set[str]]:
    modules = known_modules()
    return {module_name(path): imported_modules(path.read_text(encoding="utf-8"), module_name(path),
                                                path.name == "__init__.py", modules)
            for path in sorted(PACKAGE.rglob("*.py"))}


def is_views(module: str) -> bool:
    last = module.rpartition(".")[2]
    return last == "views" or last.endswith("_views") or module == "incubator.web"


def is_rules(module: str) -> bool:
    last = module.rpartition(".")[2]
    return last in ("services", "models") or last.endswith("_services")


def in_area(module: str, area: str) -> bool:
    return module == f"incubator.{area}" or module.startswith(f"incubator.{area}.")


def wrong_way_imports(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if is_rules(module) and is_views(target):
                wrong.append(f"{module} -> {target} (rules import views or web)")
            if in_area(module, "outcomes") and in_area(target, "evaluation"):
                wrong.append(f"{module} -> {target} (outcomes computes; evaluation calls it, not the reverse)")
            if in_area(module, "notifications") and in_area(target, "auth"):
                wrong.append(f"{module} -> {target} (auth uses notifications, not the reverse)")
    return wrong


def test_no_layer_or_area_is_imported_the_wrong_way():
    graph = import_graph()
    assert "incubator.outcomes.live" in graph and "incubator.web" in graph  # the walk did read the package
    assert wrong_way_imports(graph) == []


def test_the_services_and_views_are_found_as_such():
    graph = import_graph()
    assert {"incubator.startups.services", "incubator.evaluation.models"} <= {m for m in graph if is_rules(m)}
    assert {"incubator.startups.report_views", "incubator.evaluation.views", "incubator.web"} <= {
        m for m in graph if is_views(m)}


@pytest.mark.parametrize("name, source, expected", [
    ("incubator.startups.services", "def f():\n    from ..web import localized\n",
     "incubator.startups.services -> incubator.web (rules import views or web)"),
    ("incubator.audit.models", "from incubator.startups import report_views\n",
     "incubator.audit.models -> incubator.startups.report_views (rules import views or web)"),
    ("incubator.outcomes.views", "from ..evaluation.services import publish\n",
     "incubator.outcomes.views -> incubator.evaluation.services "
     "(outcomes computes; evaluation calls it, not the reverse)"),
    ("incubator.notifications.services", "from ..auth import models\n",
     "incubator.notifications.services -> incubator.auth.models (auth uses notifications, not the reverse)"),
])
def test_a_wrong_way_import_is_found_even_inside_a_function(name, source, expected):
    modules = known_modules()
    graph = {name: imported_modules(source, name, False, modules)}
    assert expected in wrong_way_imports(graph)
