"""The data files a notebook reads, found in its code cells without running them: each
must be in the workbook folder, and nbgrader must release it with the notebook.

Only string literals are judged (``pd.read_csv("sites.csv")``); a name built at run
time cannot be known before the cell runs, so nothing is said about it (no false
alarms). A file the notebook itself writes first is not expected in the folder.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from careerlab import course

# pandas readers whose first argument is a file. read_html, read_xml and read_sql are left
# out: they take markup or a query as text too, and a literal there is not a file.
PANDAS_READERS = frozenset(
    {
        "read_csv",
        "read_table",
        "read_fwf",
        "read_excel",
        "read_json",
        "read_parquet",
        "read_feather",
        "read_orc",
        "read_pickle",
        "read_stata",
        "read_sas",
        "read_spss",
    }
)
NUMPY_READERS = frozenset({"loadtxt", "genfromtxt", "load"})  # only as np.* / numpy.*
PATH_READERS = frozenset({"read_text", "read_bytes", "open"})  # Path("x").read_text()
PATH_WRITERS = frozenset({"write_text", "write_bytes"})
NUMPY_WRITERS = frozenset({"save", "savetxt", "savez"})
# Where each reader takes its file by keyword (pandas, open, numpy).
FILE_KEYWORDS = ("filepath_or_buffer", "io", "path", "file", "fname")


@dataclass(frozen=True)
class DataRead:
    cell: int  # counted from 1 over all cells, as the other checks count
    line: int  # in the cell
    name: str  # as written in the code


@dataclass(frozen=True)
class NotebookReads:
    reads: list[DataRead]
    broken: dict[int, str]  # cell -> why it is not Python (nothing in it can be checked)


def _python(source: str) -> str:
    """The cell as Python: IPython's own syntax (%magics, !shell) made into calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # an odd cell IPython cannot transform: let ast say what is wrong
        return source


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _file_argument(call: ast.Call) -> str | None:
    if call.args:
        return _literal(call.args[0])
    named = {k.arg: k.value for k in call.keywords if k.arg}
    return next((_literal(named[k]) for k in FILE_KEYWORDS if k in named), None)


def _is_module(node: ast.expr, names: tuple[str, ...]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _open_mode(call: ast.Call) -> str | None:
    """open()'s mode, "r" when not given, None when it is not a literal (unknown)."""
    named = {k.arg: k.value for k in call.keywords if k.arg}
    node = call.args[1] if len(call.args) > 1 else named.get("mode")
    return "r" if node is None else _literal(node)


def _classify(call: ast.Call) -> tuple[str, str] | None:
    """("read" or "write", file name) for a call that reads or writes a literal file."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    owner = func.value if isinstance(func, ast.Attribute) else None
    if owner is not None and isinstance(owner, ast.Call) and name in PATH_READERS | PATH_WRITERS:
        inner = owner.func
        inner_name = inner.attr if isinstance(inner, ast.Attribute) else getattr(inner, "id", "")
        if inner_name in ("Path", "PurePath") and owner.args:
            path = _literal(owner.args[0])
            if path is None:
                return None
            if name == "open":
                mode = _open_mode(call)
                return None if mode is None else _direction(mode, path)
            return ("write" if name in PATH_WRITERS else "read", path)
    if name == "open" and (owner is None or _is_module(owner, ("io",))):
        path, mode = _file_argument(call), _open_mode(call)
        return None if path is None or mode is None else _direction(mode, path)
    if name in PANDAS_READERS:
        path = _file_argument(call)
        return None if path is None else ("read", path)
    if owner is not None and _is_module(owner, ("np", "numpy")):
        if name in NUMPY_READERS | NUMPY_WRITERS:
            path = _file_argument(call)
            kind = "read" if name in NUMPY_READERS else "write"
            return None if path is None else (kind, path)
    if name is not None and (name.startswith("to_") or name == "savefig") and owner is not None:
        path = _file_argument(call)  # df.to_csv("mine.csv"), fig.savefig("chart.png")
        return None if path is None else ("write", path)
    return None


def _direction(mode: str, path: str) -> tuple[str, str]:
    return ("write" if set(mode) & set("wax") else "read", path)


def _is_file_name(text: str) -> bool:
    """A literal that names a file, not data given as text or an address on the web."""
    return bool(text.strip()) and "\n" not in text and "://" not in text and text[0] not in "{[<"


def data_reads(nb: nbformat.NotebookNode) -> NotebookReads:
    """Every literal file name the code cells read, minus files the notebook writes itself,
    and the cells that are not Python."""
    reads: list[tuple[int, int, int, str]] = []
    written: set[str] = set()
    broken: dict[int, str] = {}
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except SyntaxError as error:
            broken[index] = f"line {error.lineno}: {error.msg}"
            continue
        except (ValueError, RecursionError, MemoryError) as error:  # a NUL byte, deep nesting
            broken[index] = str(error) or type(error).__name__
            continue
        for node in ast.walk(tree):
            found = _classify(node) if isinstance(node, ast.Call) else None
            if found is None or not _is_file_name(found[1]):
                continue
            kind, name = found
            if kind == "write":
                written.add(os.path.normpath(name))
            else:
                reads.append((index, node.lineno, node.col_offset, name))
    return NotebookReads(
        [
            DataRead(c, line, name)
            for c, line, _, name in sorted(reads)
            if os.path.normpath(name) not in written
        ],
        broken,
    )


def _outside(folder: Path, name: str) -> bool:
    if name.startswith("~") or Path(name).is_absolute() or name.startswith("\\"):
        return True  # pandas expands ~; an absolute path is on the author's machine only
    inside = os.path.normpath(os.path.join(folder, name))
    if not Path(inside).is_relative_to(folder):
        return True
    # A link inside the folder may still lead out of it (nbgrader copies what it points at).
    try:
        return os.path.lexists(inside) and not Path(inside).resolve().is_relative_to(folder)
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a name too long, a link loop
        return False  # not a file a student could open either: _exists says so


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a NUL byte, a name too long: no such file
        return False


def _ignore(folder: Path) -> list[str]:
    """The file globs nbgrader leaves out of a release: the course's setting if there is one."""
    if course.is_course_folder(folder):
        return list(course.course_directory(folder.parent.parent).ignore)
    return course.ignore_patterns()


def _not_released(folder: Path, name: str, ignore: list[str]) -> str | None:
    """The glob that keeps nbgrader from releasing the file (or a folder it is in), if any."""
    from nbgrader.utils import is_ignored

    path = Path(os.path.normpath(folder / name))
    for part in [*reversed(path.relative_to(folder).parents[:-1]), path.relative_to(folder)]:
        for pattern in ignore:
            if is_ignored(str(folder / part), [pattern]):
                return pattern
    return None


def check_data_files(path: Path, nb: nbformat.NotebookNode) -> list[str]:
    """Every data file the notebook at ``path`` reads that a student would not get."""
    folder = path.parent.resolve()  # resolved, so a link is judged by where it leads
    found = data_reads(nb)
    problems = [
        f"{path}: cell {cell}: not valid Python ({why}); its data files cannot be "
        "checked, and students would see the error too."
        for cell, why in found.broken.items()
    ]
    ignore: list[str] | None = None
    for read in found.reads:
        where = f"{path}: cell {read.cell}, line {read.line}: reads {read.name!r}"
        if _outside(folder, read.name):
            problems.append(
                f"{where}, outside the workbook folder; students get only the folder's "
                f"files. Put the file in {folder.name}/ and read it by its name."
            )
        elif not _exists(folder / read.name):
            problems.append(
                f"{where}, which is not in {folder.name}/ (students would get "
                "FileNotFoundError). Add the file or fix the name."
            )
        else:
            ignore = _ignore(folder) if ignore is None else ignore
            pattern = _not_released(folder, read.name, ignore)
            if pattern is not None:
                problems.append(
                    f"{where}, but nbgrader does not release it (it matches "
                    f"{pattern!r} in CourseDirectory.ignore). Rename it."
                )
    return problems
