"""Professional products a student can make, shared by every project.

Each product is a form of named parts a professional would recognise. A product
rubric in rubrics/ scores the same criteria for every product type it covers,
with descriptors written for each type; a project offers a choice of products.

Products are data: one YAML file per family in the course's ``products/`` folder
(products/README.md gives the format), so a new family needs no Python. This
module is their one reader: it validates every field and reports every problem
at once, naming the file and line, as the rubrics do.

Kernel side: a student's kernel finds the products from the course when it can
reach it (one machine, autograde, the showcase), else from the ``products.json``
snapshot beside the notebook, which ``write_products_snapshot`` writes and nbgrader
releases with the workbook (a student's home on JupyterHub has no course). It
imports only ``careerlab``, ``course`` and the rubric format's YAML checker.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode

from careerlab import ProblemsError, course
from careerlab.course import PRODUCTS_DIRECTORY
from careerlab.rubrics.format import ID_PATTERN
from careerlab.rubrics.format import _Checker as _RubricChecker

PRODUCTS_SNAPSHOT = "products.json"
SNAPSHOT_SCHEMA = 1
# How the showcase (and feedback, and the grading page) lays a product out; the task
# kind careerlab.workbook.tasks.product draws each one.
SHOWCASE_LAYOUTS = {
    "memo": "one-line parts as a header (To: ..., Subject: ...), then each paragraph part "
    "under its label, then the chart",
    "slide": "the first part as the headline, the parts between as bullet points with the "
    "chart, the last part as speaker notes in a fold",
}
# Part ids are stored in students' answers files; the ones in use have underscores.
PART_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_FILE_BYTES = 100_000  # today's largest family is under 4 KB
MAX_DEPTH = 8  # a family file nests 6 deep (family, products, product, parts, part, words),
# a snapshot 8
MAX_LINES = 30
MAX_CHARS = 20_000
MAX_WORDS = 20_000
DEFAULT_MAX_CHARS = 2_000


class ProductsError(ProblemsError):
    """Every problem in the product files, one ``file:line: message`` per line."""


@dataclass(frozen=True)
class Words:
    """Word limits for a whole product or one part. Nothing grades them: a project's
    completeness check has its own ``min_words``; these are for showing a live count."""

    least: int = 0
    most: int | None = None


@dataclass(frozen=True)
class Part:
    id: str
    label: str
    hint: str
    lines: int = 1  # 1: one line; more: a paragraph box
    max_chars: int = DEFAULT_MAX_CHARS
    words: Words | None = None  # the expected length, when the file gives it


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    parts: tuple[Part, ...]
    family: str = ""
    showcase: str = "memo"  # a key of SHOWCASE_LAYOUTS
    words: Words = field(default_factory=Words)

    def part_words(self, part: Part) -> Words | None:
        """The length a student should aim for in one part: the file's ``words``, else a
        paragraph part's share (by its lines) of the product's least words, else None (a
        one-line part, such as To or Subject, has no word count)."""
        if part.words is not None:
            return part.words
        if part.lines == 1:
            return None
        given = sum(p.words.least for p in self.parts if p.words is not None)
        lines = sum(p.lines for p in self.parts if p.lines > 1 and p.words is None)
        least = -(-max(0, self.words.least - given) * part.lines // lines)  # rounded up
        return Words(least=least) if least else None


@dataclass(frozen=True)
class Family:
    id: str
    title: str
    about: str
    products: tuple[Product, ...]
    source: str


# Reading and checking ---------------------------------------------------------------
class _Checker(_RubricChecker):
    """The rubrics' checker (file:line messages), stricter about text, plus whole numbers."""

    def text(self, node: Node | None, where: str) -> str:
        # A label of `yes`, `12` or `null` is YAML for true, a number, nothing: say so.
        if isinstance(node, ScalarNode) and node.tag != "tag:yaml.org,2002:str":
            self.fail(node, f"{where} must be text (put it in quotes).")
            return ""
        return super().text(node, where)

    def whole(self, node: Node | None, where: str, least: int, most: int) -> int:
        value = None
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:int":
            try:
                value = int(str(node.value).replace("_", ""))
            except ValueError:
                value = None
        if value is None or not least <= value <= most:
            self.fail(node, f"{where} must be a whole number from {least:,} to {most:,}.")
            return least
        return value

    def slug(self, node: Node | None, where: str, pattern: str, rule: str) -> str:
        value = self.text(node, where)
        if value and not re.match(pattern, value):
            self.fail(node, f"{where} '{value[:40]}' must be {rule}.")
        return value


def _compose(text: str, source: str) -> Node:
    """The YAML (or JSON) document's node tree, refusing what a data file never needs."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ProductsError([f"{source}:1: the file is over {MAX_FILE_BYTES:,} bytes."])
    try:
        # An alias (*name) repeats a node: a few lines can stand for billions of values.
        # Deep nesting costs PyYAML time in the square of the depth: stop at once.
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else 1
            if isinstance(event, yaml.AliasEvent):
                raise ProductsError(
                    [f"{source}:{line}: anchors and aliases (& and *) are not allowed here."]
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ProductsError([f"{source}:{line}: nested too deeply for a product file."])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ProductsError([f"{source}:{line}: not valid YAML ({error})"]) from None
    if root is None:
        raise ProductsError([f"{source}:1: the file is empty."])
    return root


def _part(check: _Checker, node: Node, where: str) -> Part:
    fields = check.mapping(
        node, f"{where}: a part", {"id", "label", "hint"}, {"lines", "max_chars", "words"}
    )
    part_id = check.slug(
        fields.get("id"),
        f"{where}: part id",
        PART_ID_PATTERN,
        "lowercase letters, digits, _ and -",
    )
    here = f"{where}: part '{part_id}'"
    return Part(
        id=part_id,
        label=check.text(fields.get("label"), f"{here}: label"),
        hint=check.text(fields.get("hint"), f"{here}: hint"),
        lines=check.whole(fields["lines"], f"{here}: lines", 1, MAX_LINES)
        if "lines" in fields
        else 1,
        max_chars=check.whole(fields["max_chars"], f"{here}: max_chars", 1, MAX_CHARS)
        if "max_chars" in fields
        else DEFAULT_MAX_CHARS,
        words=_words(check, fields["words"], here) if "words" in fields else None,
    )


def _words(check: _Checker, node: Node, where: str) -> Words:
    fields = check.mapping(node, f"{where}: words", set(), {"least", "most"})
    least = (
        check.whole(fields["least"], f"{where}: words least", 0, MAX_WORDS)
        if ("least" in fields)
        else 0
    )
    most = (
        check.whole(fields["most"], f"{where}: words most", 1, MAX_WORDS)
        if ("most" in fields)
        else None
    )
    if most is not None and most < least:
        check.fail(node, f"{where}: words most ({most}) is less than least ({least}).")
    return Words(least, most)


def _product(check: _Checker, node: Node, family: str) -> Product:
    fields = check.mapping(
        node,
        "a product",
        {"id", "name", "description", "showcase", "parts"},
        {"words"},
    )
    product_id = check.slug(
        fields.get("id"), "product id", ID_PATTERN, "lowercase letters, digits and dashes"
    )
    where = f"product '{product_id}'"
    showcase = check.text(fields.get("showcase"), f"{where}: showcase")
    if showcase and showcase not in SHOWCASE_LAYOUTS:
        check.fail(
            fields["showcase"],
            f"{where}: unknown showcase layout '{showcase[:40]}' "
            f"(known: {', '.join(SHOWCASE_LAYOUTS)}).",
        )
    parts = tuple(
        _part(check, item, where) for item in check.sequence(fields.get("parts"), f"{where}: parts")
    )
    ids = [part.id for part in parts]
    for duplicate in sorted({i for i in ids if i and ids.count(i) > 1}):
        check.fail(fields.get("parts"), f"{where}: part id '{duplicate}' is used twice.")
    if showcase == "slide" and 0 < len(parts) < 3:
        check.fail(
            fields.get("parts"),
            f"{where}: the slide layout needs at least 3 parts "
            "(a headline first, points, speaker notes last).",
        )
    return Product(
        id=product_id,
        name=check.text(fields.get("name"), f"{where}: name"),
        description=check.text(fields.get("description"), f"{where}: description"),
        parts=parts,
        family=family,
        showcase=showcase,
        words=_words(check, fields["words"], where) if "words" in fields else Words(),
    )


def _family(check: _Checker, node: Node, expected: str | None) -> Family:
    fields = check.mapping(node, "the family", {"family", "title", "products"}, {"about"})
    family = check.slug(
        fields.get("family"), "family", ID_PATTERN, "lowercase letters, digits and dashes"
    )
    if expected is not None and family and family != expected:
        check.fail(fields["family"], f"family is '{family}' but the file is {expected}.yml.")
    products = tuple(
        _product(check, item, family) for item in check.sequence(fields.get("products"), "products")
    )
    return Family(
        id=family,
        title=check.text(fields.get("title"), "title"),
        about=check.text(fields["about"], "about") if "about" in fields else "",
        products=products,
        source=check.source,
    )


def parse_family(text: str, source: str = "<products>", expected: str | None = None) -> Family:
    """One family file's text, validated. Raises ProductsError with every problem."""
    check = _Checker(source)
    family = _family(check, _compose(text, source), expected)
    if check.problems:
        raise ProductsError(check.problems)
    return family


def _unique(families: list[Family], problems: list[str]) -> dict[str, Family]:
    """By id, in id order; a product id used twice (across families too) is a problem."""
    seen: dict[str, str] = {}
    found: dict[str, Family] = {}
    for family in sorted(families, key=lambda f: f.id):
        if family.id in found:
            problems.append(f"{family.source}:1: family '{family.id}' is given twice.")
            continue
        for product in family.products:
            if product.id in seen:
                problems.append(
                    f"{family.source}:1: product id '{product.id}' is also used by "
                    f"{seen[product.id]}."
                )
            seen[product.id] = family.source
        found[family.id] = family
    return found


def load_families(directory: Path) -> dict[str, Family]:
    """Every family in a course's products/ folder, by id. Raises ProductsError."""
    return _load(Path(directory).resolve(), _signature(Path(directory)))


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """What a cached reading depends on: each file's name, size and time."""
    if not directory.is_dir():
        raise ProductsError([f"{directory}: no products folder (one YAML file per family)."])
    return tuple(
        (path.name, path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(directory.glob("*.yml"))
    )


@cache
def _load(directory: Path, signature: tuple[tuple[str, int, int], ...]) -> dict[str, Family]:
    problems: list[str] = []
    parsed = []
    for name, size, _ in signature:
        path = directory / name
        if size > MAX_FILE_BYTES:
            problems.append(f"{path}:1: the file is over {MAX_FILE_BYTES:,} bytes.")
            continue
        try:
            text = path.read_text(encoding="utf-8")
            parsed.append(parse_family(text, str(path), expected=path.stem))
        except ProductsError as error:
            problems.extend(error.problems)
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{path}:1: cannot be read ({error}).")
    found = _unique(parsed, problems)
    if not signature:
        problems.append(f"{directory}: no product family (*.yml) here.")
    if problems:
        raise ProductsError(problems)
    return found


def _course_products(root: Path | None) -> Path:
    if root is None:
        root = course.find_root()
    return Path(root) / PRODUCTS_DIRECTORY


def families(root: Path | None = None) -> dict[str, tuple[Product, ...]]:
    """Family -> its products, in family order, from the course at ``root`` (default: the
    course around the working folder)."""
    return {family.id: family.products for family in load_families(_course_products(root)).values()}


def all_products(root: Path | None = None) -> dict[str, Product]:
    return {p.id: p for products in families(root).values() for p in products}


# The snapshot a released workbook carries --------------------------------------------
def snapshot_text(chosen: list[Family]) -> str:
    """``products.json``: the families given, in the files' own format, as JSON."""
    data = {
        "schema": SNAPSHOT_SCHEMA,
        "families": [
            {
                "family": family.id,
                "title": family.title,
                "products": [_product_data(product) for product in family.products],
            }
            for family in chosen
        ],
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _words_data(words: Words) -> dict[str, int]:
    data = {"least": words.least}
    if words.most is not None:
        data["most"] = words.most
    return data


def _product_data(product: Product) -> dict[str, Any]:
    words = _words_data(product.words)
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "showcase": product.showcase,
        "words": words,
        "parts": [
            {
                "id": part.id,
                "label": part.label,
                "hint": part.hint,
                "lines": part.lines,
                "max_chars": part.max_chars,
                **({"words": _words_data(part.words)} if part.words else {}),
            }
            for part in product.parts
        ],
    }


def snapshot_for(root: Path, product_ids: list[str] | tuple[str, ...]) -> str:
    """The snapshot of the named products (and only those), from the course at ``root``.
    Raises ProductsError for an id the course does not have."""
    wanted = set(product_ids)
    loaded = load_families(Path(root) / PRODUCTS_DIRECTORY)
    known = {p.id for family in loaded.values() for p in family.products}
    unknown = sorted(wanted - known)
    if unknown:
        raise ProductsError(
            [f"no product {', '.join(unknown)} in {Path(root) / PRODUCTS_DIRECTORY}."]
        )
    chosen = [
        Family(f.id, f.title, "", tuple(p for p in f.products if p.id in wanted), f.source)
        for f in loaded.values()
    ]
    return snapshot_text([f for f in chosen if f.products])


def write_products_snapshot(
    folder: Path, product_ids: list[str] | tuple[str, ...], root: Path | None = None
) -> Path:
    """Write ``products.json`` beside a workbook's notebook (nbgrader releases it): the
    products its product tasks offer, for a student's kernel that cannot reach the course."""
    if root is None:
        root = course.find_root(Path(folder))
    path = Path(folder) / PRODUCTS_SNAPSHOT
    path.write_text(snapshot_for(root, product_ids), encoding="utf-8")
    return path


def read_snapshot(folder: Path) -> dict[str, Product]:
    """The products in ``folder``'s ``products.json``. Raises ProductsError: the file is the
    student's copy and may be damaged or changed, so it is checked like a course file."""
    path = Path(folder) / PRODUCTS_SNAPSHOT
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ProductsError([f"{path}:1: the file is over {MAX_FILE_BYTES:,} bytes."])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProductsError([f"{path}: missing."]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProductsError([f"{path}:1: cannot be read ({error})."]) from None
    # JSON is YAML: one checker, with line numbers, for the course's files and the copy.
    check = _Checker(str(path))
    fields = check.mapping(_compose(text, str(path)), "the snapshot", {"schema", "families"}, set())
    if "schema" in fields:
        check.whole(fields["schema"], "schema", SNAPSHOT_SCHEMA, SNAPSHOT_SCHEMA)
    parsed = [
        _family(check, node, None) for node in check.sequence(fields.get("families"), "families")
    ]
    found = _unique(parsed, check.problems)
    if check.problems:
        raise ProductsError(check.problems)
    return {p.id: p for family in found.values() for p in family.products}


def uses_snapshot(folder: Path) -> bool:
    """True when a workbook in ``folder`` reads its products from its ``products.json``:
    no course with a products/ folder is around it (a student's released copy)."""
    try:
        root = course.find_root(Path(folder))
    except FileNotFoundError:
        return True
    return not (root / PRODUCTS_DIRECTORY).is_dir()


def find_products(folder: Path) -> dict[str, Product]:
    """The products a workbook in ``folder`` can offer: the course's, when the folder is
    inside a course, else its snapshot. Raises ProductsError saying what is wrong."""
    if uses_snapshot(folder):
        return read_snapshot(folder)
    return all_products(course.find_root(Path(folder)))
