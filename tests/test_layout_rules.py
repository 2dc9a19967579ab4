"""The layout's rules, checked over every file (so they hold for labs added later too).

- ``backprop_core/**`` and every ``labs/*/model*`` import neither streamlit, plotly nor pandas,
  directly or through another project module;
- ``labs/*/figures*`` and ``viz/**`` never import streamlit, directly or through another module;
- no module imports a ``_private`` name from another module;
- no page file over 40 lines, no source file over 450 lines.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", "artifacts", "node_modules", "__pycache__", ".venv", "venv"}
MAX_PAGE_LINES = 40
MAX_SOURCE_LINES = 450


def project_files() -> list[Path]:
    return sorted(p for p in REPO.rglob("*.py") if not SKIP_DIRS.intersection(p.relative_to(REPO).parts))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


@cache
def module_files() -> dict[str, Path]:
    return {module_name(p): p for p in project_files()}


@cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def absolute(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name an ``ImportFrom`` reads from (resolving ``from .x import``)."""
    if not node.level:
        return node.module or ""
    base = module_name(path).split(".")
    if not is_package(path):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports (anywhere in the file), as absolute dotted names."""
    found: set[str] = set()
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = absolute(path, node)
            found.add(source)
            # `from package import module` imports the module too
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def project_deps(path: Path) -> set[Path]:
    files = module_files()
    deps = set()
    for name in imported_modules(path):
        parts = name.split(".")
        # the module itself and the packages above it (their __init__ runs first)
        for i in range(1, len(parts) + 1):
            target = files.get(".".join(parts[:i]))
            if target is not None and target != path:
                deps.add(target)
    return deps


def reachable_third_party(path: Path) -> dict[str, Path]:
    """Top-level third-party names imported by ``path`` or any project module it imports."""
    files = module_files()
    seen, todo, found = {path}, [path], {}
    while todo:
        current = todo.pop()
        for name in imported_modules(current):
            top = name.split(".")[0]
            if top and top not in found and ".".join(name.split(".")[:1]) not in files:
                found[top] = current
        for dep in project_deps(current):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return found


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def engine_and_models() -> list[Path]:
    engine = [p for p in project_files() if rel(p).startswith("backprop_core/")]
    models = [p for p in project_files() if rel(p).startswith("labs/") and room(p) == "model"]
    return engine + models


def room(path: Path) -> str | None:
    """``model``/``figures``/``view``/``text`` for a file under ``labs/<lab>/`` (``model_x.py`` too)."""
    parts = path.relative_to(REPO).parts
    if len(parts) < 3 or parts[0] != "labs":
        return None
    name = parts[2] if len(parts) > 3 else Path(parts[2]).stem  # a room split into a package
    return name.split("_")[0]


def figure_modules() -> list[Path]:
    figs = [p for p in project_files() if rel(p).startswith("labs/") and room(p) == "figures"]
    return figs + [p for p in project_files() if rel(p).startswith("viz/")]


def test_the_rule_sets_are_not_empty():
    # the walks below must find what they are about, or the rules would hold trivially
    assert any(rel(p) == "backprop_core/engine.py" for p in engine_and_models())
    assert len({p.parts[-2] for p in engine_and_models() if rel(p).startswith("labs/")}) >= 4
    assert any(rel(p).startswith("labs/") for p in figure_modules())
    assert any(rel(p) == "viz/theme.py" for p in figure_modules())


@pytest.mark.parametrize("path", engine_and_models(), ids=rel)
def test_engine_and_lab_models_import_no_ui_library(path):
    found = reachable_third_party(path)
    bad = {name: rel(via) for name, via in found.items() if name in ("streamlit", "plotly", "pandas")}
    assert not bad, f"{rel(path)} reaches {bad} (library: the file that imports it)"


@pytest.mark.parametrize("path", figure_modules(), ids=rel)
def test_figures_never_import_streamlit(path):
    found = reachable_third_party(path)
    assert "streamlit" not in found, f"{rel(path)} reaches streamlit through {rel(found['streamlit'])}"


def private_imports(path: Path, own: str | None = None) -> list[str]:
    bad = []
    own = own if own is not None else module_name(path)
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            source = absolute(path, node)
            if source == own:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    bad.append(f"{alias.name} from {source} (line {node.lineno})")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(p.startswith("_") and not p.startswith("__") for p in alias.name.split(".")):
                    bad.append(f"{alias.name} (line {node.lineno})")
    return bad


def test_the_walks_catch_a_broken_rule(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("from backprop_core.passes import _forward_pass\nimport os\nfrom os import _exit\n")
    assert [b.split()[0] for b in private_imports(sample, own="probe")] == ["_forward_pass", "_exit"]
    # a view reaches streamlit; an engine module reaches none of the UI libraries
    assert "streamlit" in reachable_third_party(REPO / "labs" / "step_through" / "view.py")
    assert "numpy" in reachable_third_party(REPO / "backprop_core" / "engine.py")


@pytest.mark.parametrize("path", project_files(), ids=rel)
def test_no_private_name_is_imported_from_another_module(path):
    assert private_imports(path) == []


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_pages_are_thin():
    pages = sorted((REPO / "pages").glob("*.py"))
    assert len(pages) >= 4
    long = {rel(p): line_count(p) for p in pages if line_count(p) > MAX_PAGE_LINES}
    assert not long, f"pages over {MAX_PAGE_LINES} lines: {long}"


def test_no_source_file_is_too_long():
    long = {rel(p): line_count(p) for p in project_files() if line_count(p) > MAX_SOURCE_LINES}
    assert not long, f"split along its seams (files over {MAX_SOURCE_LINES} lines): {long}"
