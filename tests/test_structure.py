"""The shape of forum/: no import circles, small modules, services that never read a request."""

import ast
from pathlib import Path

import pytest

FORUM = Path(__file__).resolve().parent.parent / "forum"
MAX_LINES = 400
REQUEST_BOUND = {"request", "session", "g", "after_this_request", "current_user"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(FORUM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(FORUM.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if MODULES[module].name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str) -> set[str]:
    """The forum modules `module` imports, at the top or inside functions alike."""
    found = set()
    tree = ast.parse(MODULES[module].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            # `from . import x` and `from .services import accounts` import modules; other
            # names come from the module (or package) named before `import`.
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in MODULES else target)
    return {name for name in found if name in MODULES and name != module}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_module_of_forum_imports_itself_through_others():
    graph = {module: imports_of(module) for module in MODULES}
    assert circles(graph) == []


def test_the_circle_finder_finds_circles_inside_functions_too():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_longer_than_the_limit(module):
    lines = MODULES[module].read_text().count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by meaning"


def _request_bound_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
            found += [alias.name for alias in node.names if alias.name in REQUEST_BOUND]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in REQUEST_BOUND
            and isinstance(node.value, ast.Name)
            and node.value.id in ("flask", "flask_login")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.startswith("forum.services")), ids=str
)
def test_services_never_read_the_request(module):
    assert _request_bound_names(MODULES[module]) == [], (
        f"{module} reads request-bound state: the view must pass what the service needs"
    )


def test_the_request_check_sees_what_it_must(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom flask import current_app, request\nx = flask.session\n")
    assert _request_bound_names(bad) == ["request", "flask.session"]
