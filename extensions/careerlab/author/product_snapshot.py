"""The ``products.json`` a workbook carries: which products its product tasks offer, and
whether the snapshot beside the notebook still says what the course's products/ says.

A student's kernel reads the snapshot where the course is out of reach (a released
copy on JupyterHub); careerlab.workbook.products owns its format and writes it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from careerlab import course
from careerlab.author.rubric_cells import fix_command
from careerlab.workbook.products import (
    PRODUCTS_SNAPSHOT,
    ProductsError,
    snapshot_for,
    write_products_snapshot,
)
from careerlab.workbook.tasks.product import ProductTask

PRODUCTS_ARGUMENT = 3  # wb.product(task_id, title, prompt, products, chart=None)


def offered_products(folder: Path) -> list[str]:
    """The product ids every ``wb.product(...)`` in the folder's notebooks offers, in order.

    Read from the code without running it: the ``products=`` tuple (or the fourth
    argument) must be written out literally, which is how every workbook writes it."""
    offered: list[str] = []
    for notebook in course.notebooks(folder):
        try:
            nb = nbformat.read(notebook, as_version=4)
        except Exception:  # nbformat raises several types; check_notebook names the file
            continue
        for cell in nb.cells:
            if cell.cell_type != "code" or f"wb.{ProductTask.method}(" not in cell.source:
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue  # careerlab check reports a notebook that does not run
            for node in ast.walk(tree):
                for product in _products_of(node):
                    if product not in offered:
                        offered.append(product)
    return offered


def _products_of(node: ast.AST) -> list[str]:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == ProductTask.method
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "wb"
    ):
        return []
    given = [k.value for k in node.keywords if k.arg == "products"]
    if len(node.args) > PRODUCTS_ARGUMENT:
        given.append(node.args[PRODUCTS_ARGUMENT])
    try:
        values = [ast.literal_eval(value) for value in given]
    except ValueError:
        return []
    return [p for value in values if isinstance(value, tuple | list) for p in value]


def write_snapshot(folder: Path) -> Path | None:
    """Write the folder's ``products.json`` for the products it offers; None (and no file)
    when it offers none. Raises ProductsError for a product the course does not have."""
    offered = offered_products(folder)
    path = folder / PRODUCTS_SNAPSHOT
    if not offered:
        path.unlink(missing_ok=True)
        return None
    return write_products_snapshot(folder, offered, root=folder.parent.parent)


def check_products_snapshot(folder: Path) -> list[str]:
    """A workbook with a product task ships its products, matching the course's products/."""
    offered = offered_products(folder)
    path = folder / PRODUCTS_SNAPSHOT
    fix = fix_command(folder)
    if not offered:
        if path.exists():
            return [f"{path}: no product task offers products any more; run `{fix}`."]
        return []
    try:
        expected = snapshot_for(folder.parent.parent, offered)
    except ProductsError as error:
        return [
            f"{folder}: its product task cannot be used: {problem}" for problem in error.problems
        ]
    if not path.exists():
        return [f"{path}: missing (a student's copy reads its product forms from it); run `{fix}`."]
    if path.read_bytes() != expected.encode("utf-8"):
        return [
            f"{path}: out of date with {course.PRODUCTS_DIRECTORY}/ and the notebook's "
            f"product task; run `{fix}`."
        ]
    return []
