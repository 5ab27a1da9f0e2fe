"""The package's layout keeps the rules docs/architecture.md states.

Read from the source with ast (every import, at any depth), so a rule broken in a
function body or a rarely run branch is caught too.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from careerlab import moved

from .conftest import course_env, make_course
from .servers import jupyter_lab

PACKAGE = Path(__file__).resolve().parents[1] / "extensions" / "careerlab"
MAX_TOP_LEVEL = 6
GRAB_BAGS = {"misc", "util", "utils", "common", "helpers", "shared", "core", "lib", "stuff"}
# What code running in a student's kernel may import (docs/architecture.md).
KERNEL_SIDE = "careerlab.workbook"
KERNEL_MAY_IMPORT = {
    "careerlab",
    "careerlab.course",
    "careerlab.html",
    "careerlab.project",
    "careerlab.moved",
    "careerlab.rubrics",
    "careerlab.rubrics.format",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The package module an import names (a name inside a module counts as the module)."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports() -> dict[str, set[str]]:
    """module -> the careerlab modules it imports, anywhere in its code."""
    graph: dict[str, set[str]] = {}
    for name, path in modules().items():
        found: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                    ).strip(".")  # noqa: E501
                targets = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target.startswith("careerlab"):
                    resolved = _resolve(target)
                    if resolved and resolved != name:
                        found.add(resolved)
        graph[name] = found
    return graph


def test_top_level_is_a_few_modules_and_named_subpackages():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top
    folders = [p for p in PACKAGE.rglob("*") if p.is_dir() and (p / "__init__.py").exists()]
    names = {p.name for p in folders} | {p.stem for p in PACKAGE.rglob("*.py")}
    assert not names & GRAB_BAGS, names & GRAB_BAGS
    for folder in folders:  # each says what it owns and what it may import
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"{folder}: no docstring saying what it may import"
    # Every folder of Python code is a package (setuptools skips namespace folders).
    for path in PACKAGE.rglob("*.py"):
        assert (path.parent / "__init__.py").exists(), path


def test_the_students_kernel_reaches_no_teacher_code():
    graph = imports()
    kernel = {m for m in graph if m == KERNEL_SIDE or m.startswith(KERNEL_SIDE + ".")}
    seen, todo, via = set(), list(kernel), {}
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for target in graph[module]:
            via.setdefault(target, module)
            todo.append(target)
    outside = sorted(seen - kernel - KERNEL_MAY_IMPORT)
    assert not outside, [f"{m} (imported by {via[m]})" for m in outside]


def test_no_import_cycles():
    graph = imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, cycles


def test_the_cycle_check_sees_a_cycle(monkeypatch):
    """The check above can fail: two modules importing each other are found."""
    graph = {name: set(targets) for name, targets in imports().items()}
    graph["careerlab.html"].add("careerlab.project")
    graph["careerlab.project"].add("careerlab.html")
    monkeypatch.setattr(sys.modules[__name__], "imports", lambda: graph)
    with pytest.raises(AssertionError, match="careerlab.html"):
        test_no_import_cycles()


def _code(statements: list[ast.stmt]) -> str:
    """The statements as source, without docstrings (they may mention the file)."""
    return "\n".join(
        ast.unparse(s)
        for s in statements
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    )


def test_workbook_yml_is_read_in_one_module():
    """Only careerlab.project parses YAML where the metadata file is named."""
    readers = set()
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        scopes = [[s for s in tree.body if not isinstance(s, defs)]]
        scopes += [n.body for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for scope in scopes:
            source = _code(scope)
            names_file = "METADATA_FILE" in source or "workbook.yml" in source
            if names_file and re.search(r"\byaml\.", source):
                readers.add(name)
    assert readers == {"careerlab.project"}


def test_one_student_id_pattern():
    owners = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) in {"re.compile", "re.fullmatch", "re.match"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and "@" in str(node.args[0].value)
            ):
                owners.add(name)
    assert owners == {"careerlab.course"}


def test_one_html_escape():
    definers = {
        name
        for name, path in modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
        and "escape" in node.name
        or isinstance(node, ast.Call)
        and ast.unparse(node.func) == "html.escape"
    }
    assert definers == {"careerlab.html"}


# --- Old names ------------------------------------------------------------------------------
PROBE = """
import importlib, json, sys
old, new = sys.argv[1], sys.argv[2]
before = set(sys.modules)
module = importlib.import_module(old)
loaded = sorted(set(sys.modules) - before - {old})
real = importlib.import_module(new)
print(json.dumps({"same": module is real, "spec": module.__spec__.name, "name": module.__name__,
                  "path": hasattr(module, "__path__") == hasattr(real, "__path__"),
                  "loaded": loaded}))
"""


def _probe(old: str, new: str) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, old, new], capture_output=True, text=True, check=True
    )
    return json.loads(run.stdout)


@pytest.mark.parametrize(
    "old",
    ["careerlab.careers", "careerlab.scoring", "careerlab.grading.hidden", "careerlab.grading"],
)
def test_an_old_name_loads_what_the_new_name_loads(old):
    new = moved.new_name(old)
    via_old = _probe(old, new)
    via_new = _probe(new, new)
    assert via_old["same"] and via_old["spec"] == new and via_old["name"] == new
    assert via_old["path"]
    # Besides what the new name loads, only the old name's parent packages (and the
    # light packages they stand for) are imported.
    parents = {old.rsplit(".", n)[0] for n in range(1, old.count("."))}
    allowed = parents | {moved.new_name(p) or p for p in parents}
    assert set(via_old["loaded"]) - {new} - allowed == set(via_new["loaded"]) - {new} - allowed


def test_every_old_name_resolves_to_its_new_module():
    check = (
        "import importlib, careerlab.moved as m\n"
        "for old, new in m.MOVED.items():\n"
        "    assert importlib.import_module(old) is importlib.import_module(new), old\n"
        "from careerlab.grading.hidden import HideTestsInFeedback\n"
        "from careerlab.feedback.hidden import HideTestsInFeedback as H\n"
        "assert HideTestsInFeedback is H\n"
        "import careerlab.grading.batch, careerlab.autograde.batch\n"
        "assert careerlab.grading.batch is careerlab.autograde.batch\n"
        "from careerlab.scoring import after_autograde, record_level\n"
        "from careerlab.sanitize import clean\n"
        "from careerlab.feedback import add_rubric\n"
        "from careerlab.workbook import Workbook\n"
        "from careerlab import Workbook as W\n"
        "assert W is Workbook and Workbook.__module__ == 'careerlab.workbook.book'\n"
        "from careerlab.answers import AnswersStore\n"
        "from careerlab.tasks import Task\n"
        "from careerlab.showcase import show_from_query\n"
        "from careerlab.catalog_page import show\n"
    )
    subprocess.run([sys.executable, "-c", check], check=True)
    for old, new in moved.MOVED.items():
        assert new in modules(), (old, new)
        assert old not in modules(), f"{old} exists again: remove it from careerlab.moved"


def test_the_old_server_extension_name_still_loads(tmp_path):
    """A school's config that enables careerlab.grading_view gets the page, loaded once."""
    root = make_course(tmp_path / "course")
    state = tmp_path / "state"
    (state / "config").mkdir(parents=True)
    (state / "config" / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"careerlab.grading_view": True}}})
    )
    assert course_env(root)  # the course's own config enables careerlab.grading_page too
    with jupyter_lab(root, root, state) as server:
        status, _ = server.get("/careerlab/grade")
        log = server.log.read_text(errors="replace")
    assert status == 200
    assert "careerlab.grading_view | extension was successfully loaded" in log, log
    assert log.count("CareerLab grading page at") == 1, log
