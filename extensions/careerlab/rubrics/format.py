"""Analytic rubrics as data: the one format for the whole product.

A rubric file in ``rubrics/`` is YAML (see rubrics/README.md). A *product*
rubric (memo, slide, ...) scores the deliverable and is shared across projects;
its descriptors are given per product type, so a memo and a slide are scored on
the same criteria and points. A *project* rubric names a product rubric and adds
its own content criteria. Every error names the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from careerlab import ProblemsError

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
# Skills a criterion can evidence: NACE career readiness competencies and the
# Employability Skills Framework's three areas.
SKILLS = {
    "nace:career-self-development": "Career & Self-Development",
    "nace:communication": "Communication",
    "nace:critical-thinking": "Critical Thinking",
    "nace:equity-inclusion": "Equity & Inclusion",
    "nace:leadership": "Leadership",
    "nace:professionalism": "Professionalism",
    "nace:teamwork": "Teamwork",
    "nace:technology": "Technology",
    "esf:applied-knowledge": "Applied Knowledge",
    "esf:effective-relationships": "Effective Relationships",
    "esf:workplace-skills": "Workplace Skills",
}
KINDS = ("product", "project")
# What a teacher scores by watching, not by reading the notebook: skills the written
# work cannot show. Each names the NACE competency it evidences.
OBSERVED_SKILLS = {
    "collaboration": "nace:teamwork",
    "oral presentation": "nace:communication",
    "professional conduct": "nace:professionalism",
}
MAX_LOOK_FORS = 8
MAX_LOOK_FOR_CHARS = 200
MISSING_LEVEL_HINT = (
    'add a level for missing work: {id: missing, name: Missing, points: 0, descriptor: "No '
    'work for this criterion yet, or it cannot be read."}'
)


class RubricError(ProblemsError):
    """Every problem in a rubric file, one ``file:line: message`` per line."""


@dataclass(frozen=True)
class Level:
    id: str
    name: str
    points: float
    # What every criterion shows at this level unless the criterion says otherwise
    # (the 0-point "missing" level needs no text per criterion).
    descriptor: str = ""


@dataclass(frozen=True)
class Observed:
    """How the teacher scores a criterion by watching: the skill, when, what to look for."""

    skill: str  # a key of OBSERVED_SKILLS
    when: str
    look_for: tuple[str, ...]


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    weight: float
    skills: tuple[str, ...]
    i_can: str
    # {product type or "": {level id: descriptor}}; "" for content criteria.
    descriptors: dict[str, dict[str, str]]
    part: str  # "content" or "product"
    observed: Observed | None = None

    def descriptor(self, level: str, product: str | None = None) -> str:
        by_product = self.descriptors.get(product or "") or next(iter(self.descriptors.values()))
        return by_product[level]


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    kind: str
    levels: tuple[Level, ...]
    criteria: tuple[Criterion, ...]
    products: tuple[str, ...] = ()
    product_rubric: str | None = None
    product_task: str | None = None
    source: str = ""
    # The course's rules this file breaks (``file:line: message``): a 0-point level for
    # missing work, an observed criterion per project. ``load_all(strict=True)`` reports
    # them (``careerlab check``); grading reads the rubric anyway, so nothing stops.
    unmet_rules: tuple[str, ...] = field(default=(), compare=False)

    @property
    def top(self) -> Level:
        return max(self.levels, key=lambda level: level.points)

    def level(self, level_id: str) -> Level:
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def max_points(self, criterion: Criterion) -> float:
        """nbgrader's max points for a criterion's cell: top level's points x weight."""
        return round(self.top.points * criterion.weight, 4)

    def points(self, criterion: Criterion, level_id: str) -> float:
        return round(self.level(level_id).points * criterion.weight, 4)

    def next_level(self, level_id: str) -> Level | None:
        ordered = sorted(self.levels, key=lambda level: level.points)
        index = [level.id for level in ordered].index(level_id)
        return ordered[index + 1] if index + 1 < len(ordered) else None


# Validation with line numbers -------------------------------------------------------
class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.rules: list[str] = []  # see Rubric.unmet_rules

    def fail(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.source}:{line}: {message}")

    def rule(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.rules.append(f"{self.source}:{line}: {message}")

    def mapping(self, node: Node, where: str, required: set[str], optional: set[str]) -> dict:
        if not isinstance(node, MappingNode):
            self.fail(node, f"{where} must be a mapping of keys to values.")
            return {}
        items: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key in items:
                self.fail(key_node, f"{where}: '{key}' is given twice.")
            elif key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.fail(key_node, f"{where}: unknown key '{key}' (allowed: {allowed}).")
            else:
                items[key] = (key_node, value_node)
        for key in sorted(required - set(items)):
            self.fail(node, f"{where}: missing '{key}'.")
        return {key: value for key, (_, value) in items.items()}

    def text(self, node: Node | None, where: str) -> str:
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            self.fail(node, f"{where} must be non-empty text.")
            return ""
        return str(node.value).strip()

    def ident(self, node: Node | None, where: str) -> str:
        import re

        value = self.text(node, where)
        if value and not re.match(ID_PATTERN, value):
            self.fail(node, f"{where} '{value}' must be lowercase letters, digits and dashes.")
        return value

    def number(self, node: Node | None, where: str, zero: bool = False) -> float:
        """A positive number (or 0 too, when ``zero``)."""
        try:
            value = float(node.value) if isinstance(node, ScalarNode) else None
        except ValueError:
            value = None
        if value is None or value != value or value < 0 or (value == 0 and not zero):
            wanted = "a number of 0 or more" if zero else "a positive number"
            self.fail(node, f"{where} must be {wanted}.")
            return 1.0
        return value

    def sequence(self, node: Node | None, where: str) -> list[Node]:
        if not isinstance(node, SequenceNode) or not node.value:
            self.fail(node, f"{where} must be a non-empty list.")
            return []
        return list(node.value)


def _levels(check: _Checker, node: Node) -> tuple[Level, ...]:
    levels = []
    for item in check.sequence(node, "levels"):
        fields = check.mapping(item, "a level", {"id", "name", "points"}, {"descriptor"})
        levels.append(
            Level(
                check.ident(fields.get("id"), "level id"),
                check.text(fields.get("name"), "level name"),
                check.number(fields.get("points"), "level points", zero=True),
                check.text(fields["descriptor"], "level descriptor")
                if "descriptor" in fields
                else "",
            )
        )
    if not 3 <= len(levels) <= 5 and levels:
        check.fail(node, f"a rubric needs 3 to 5 levels; this one has {len(levels)}.")
    ids = [level.id for level in levels]
    points = [level.points for level in levels]
    if len(set(ids)) != len(ids):
        check.fail(node, "level ids must be different from each other.")
    if points != sorted(points) or len(set(points)) != len(points):
        check.fail(node, "levels must be listed from lowest to highest points, without ties.")
    # Work not handed in needs a level of its own, so a teacher never has to give
    # "Beginning" points for nothing (a course rule: see Rubric.unmet_rules).
    if levels and min(points) != 0:
        lowest = check.sequence(node, "levels")[0]
        check.rule(
            lowest, f"the lowest level is worth {min(points):g} points; {MISSING_LEVEL_HINT}"
        )
    return tuple(levels)


def _descriptors(
    check: _Checker, node: Node, levels: tuple[Level, ...], where: str
) -> dict[str, str]:
    """One descriptor per level; a level with its own ``descriptor`` fills in where the
    criterion gives none, so every criterion's descriptors are complete."""
    shared = {level.id: level.descriptor for level in levels if level.descriptor}
    fields = check.mapping(node, where, {lv.id for lv in levels} - set(shared), set(shared))
    given = {key: check.text(value, f"{where}: level '{key}'") for key, value in fields.items()}
    return {lv.id: given.get(lv.id) or shared.get(lv.id, "") for lv in levels}


def _observed(check: _Checker, node: Node, where: str) -> Observed:
    fields = check.mapping(node, f"{where}: observed", {"skill", "when", "look_for"}, set())
    skill = check.text(fields.get("skill"), f"{where}: observed.skill")
    if skill and skill not in OBSERVED_SKILLS:
        check.fail(
            fields.get("skill"),
            f"{where}: observed.skill '{skill[:40]}' must be one of {', '.join(OBSERVED_SKILLS)}.",
        )
    when = check.text(fields.get("when"), f"{where}: observed.when")
    nodes = check.sequence(fields.get("look_for"), f"{where}: observed.look_for")
    if len(nodes) > MAX_LOOK_FORS:
        # Checked before reading them: a list of thousands is refused, not walked.
        check.fail(
            fields.get("look_for"),
            f"{where}: observed.look_for has {len(nodes)} items; give 1 to {MAX_LOOK_FORS}.",
        )
        nodes = []
    look_for = []
    for item in nodes:
        text = check.text(item, f"{where}: a look-for")
        if len(text) >= MAX_LOOK_FOR_CHARS:
            check.fail(
                item,
                f"{where}: a look-for has {len(text)} characters; keep it under "
                f"{MAX_LOOK_FOR_CHARS}.",
            )
        look_for.append(text)
    return Observed(skill, when, tuple(look_for))


def _criterion(
    check: _Checker, node: Node, levels: tuple[Level, ...], products: tuple[str, ...], part: str
) -> Criterion:
    fields = check.mapping(
        node,
        "a criterion",
        {"id", "title", "weight", "skills", "i_can", "descriptors"},
        {"observed"},
    )
    criterion_id = check.ident(fields.get("id"), "criterion id")
    where = f"criterion '{criterion_id}'"
    skills = []
    for skill_node in check.sequence(fields.get("skills"), f"{where}: skills"):
        skill = check.text(skill_node, f"{where}: a skill")
        if skill and skill not in SKILLS:
            check.fail(
                skill_node, f"{where}: unknown skill '{skill}' (use one of {sorted(SKILLS)})."
            )
        skills.append(skill)
    descriptors: dict[str, dict[str, str]] = {}
    node_descriptors = fields.get("descriptors")
    if products:
        by_product = check.mapping(node_descriptors, f"{where}: descriptors", set(products), set())
        for product, value in by_product.items():
            descriptors[product] = _descriptors(
                check, value, levels, f"{where}: descriptors for {product}"
            )
    elif node_descriptors is not None:
        descriptors[""] = _descriptors(check, node_descriptors, levels, f"{where}: descriptors")
    observed = _observed(check, fields["observed"], where) if "observed" in fields else None
    if observed and observed.skill in OBSERVED_SKILLS:
        evidenced = OBSERVED_SKILLS[observed.skill]
        if evidenced not in skills:  # exports count skills: the watched one must be among them
            check.fail(
                fields["observed"],
                f"{where}: an observed {observed.skill} criterion evidences {evidenced}; "
                "list it in skills.",
            )
    return Criterion(
        id=criterion_id,
        title=check.text(fields.get("title"), f"{where}: title"),
        weight=check.number(fields.get("weight"), f"{where}: weight"),
        skills=tuple(skills),
        i_can=check.text(fields.get("i_can"), f"{where}: i_can"),
        descriptors=descriptors,
        part=part,
        observed=observed,
    )


# libyaml's parser when PyYAML has it: every build and check loads all the rubrics, and the
# pure-Python parser made that most of `careerlab check`'s time. It gives the same nodes
# with the same lines; on an error the pure-Python parser reads the text again, so what the
# author is told stays the same.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_rubric(
    text: str,
    source: str = "<rubric>",
    product_levels: dict[str, tuple[Level, ...]] | None = None,
) -> Rubric:
    """Parse and validate one rubric file's text. Raises RubricError.

    ``product_levels`` gives the levels of known product rubrics, which a project
    rubric without its own levels takes from the product rubric it names.
    The course's rules beyond the format (a 0-point level for missing work, an
    observed criterion in every project rubric) are kept in ``unmet_rules``, not
    raised: a rubric written before them still grades.
    """
    check = _Checker(source)
    try:
        root = _compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise RubricError([f"{source}:{line}: not valid YAML ({error})"]) from error
    if root is None:
        raise RubricError([f"{source}:1: the file is empty."])
    fields = check.mapping(
        root,
        "the rubric",
        {"id", "title", "kind", "criteria"},
        {"levels", "products", "product_rubric", "product_task"},
    )
    kind = check.text(fields.get("kind"), "kind")
    if kind and kind not in KINDS:
        check.fail(fields.get("kind"), f"kind must be one of {', '.join(KINDS)}.")
    products: tuple[str, ...] = ()
    if kind == "product":
        products = tuple(
            check.ident(n, "a product") for n in check.sequence(fields.get("products"), "products")
        )
        if "levels" not in fields:
            check.fail(root, "a product rubric must list its levels.")
    elif kind == "project":
        for key in ("products",):
            if key in fields:
                check.fail(fields[key], "only a product rubric lists products.")
        if ("product_rubric" in fields) != ("product_task" in fields):
            check.fail(root, "product_rubric and product_task go together.")
        if "levels" not in fields and "product_rubric" not in fields:
            check.fail(
                root, "a project rubric lists levels, or takes them from its product_rubric."
            )
    levels = _levels(check, fields["levels"]) if "levels" in fields else ()
    if not levels and kind == "project" and "product_rubric" in fields:
        named = str(fields["product_rubric"].value)
        levels = (product_levels or {}).get(named, ())
        if not levels:
            check.fail(
                fields["product_rubric"], f"no product rubric '{named}' to take levels from."
            )
    criteria = tuple(
        _criterion(check, node, levels, products, "product" if kind == "product" else "content")
        for node in check.sequence(fields.get("criteria"), "criteria")
    )
    ids = [criterion.id for criterion in criteria]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        check.fail(fields.get("criteria"), f"criterion id '{duplicate}' is used twice.")
    if kind == "project":
        for node, criterion in zip(fields["criteria"].value, criteria, strict=False):
            if "" not in criterion.descriptors:
                check.fail(node, f"criterion '{criterion.id}': missing 'descriptors'.")
        if criteria and not any(c.observed for c in criteria):
            # The written work cannot show these skills; the teacher watches for them.
            check.rule(
                fields["criteria"],
                "no observed criterion: add a criterion the teacher scores by watching: "
                "collaboration, oral presentation or professional conduct (a criterion with "
                "observed: {skill, when, look_for}).",
            )
    if check.problems:
        raise RubricError(check.problems)
    optional = {
        key: check.text(fields[key], key)
        for key in ("product_rubric", "product_task")
        if key in fields
    }
    return Rubric(
        id=check.ident(fields["id"], "id"),
        title=check.text(fields["title"], "title"),
        kind=kind,
        levels=levels,
        criteria=criteria,
        products=products,
        source=source,
        unmet_rules=tuple(check.rules),
        **optional,
    )


def load_file(path: Path) -> Rubric:
    return parse_rubric(path.read_text(encoding="utf-8"), str(path))


def rubric_files(rubrics_dir: Path) -> list[Path]:
    return sorted(rubrics_dir.rglob("*.yml"))


def load_all(rubrics_dir: Path, strict: bool = False) -> dict[str, Rubric]:
    """Every rubric by id. Raises RubricError with every problem in every file
    (``strict``: the course's rules too, see Rubric.unmet_rules)."""
    rubrics: dict[str, Rubric] = {}
    problems: list[str] = []
    product_levels: dict[str, tuple[Level, ...]] = {}

    def is_product(path: Path) -> bool:
        try:
            text = path.read_text(encoding="utf-8")
            return (yaml.load(text, Loader=FAST_LOADER) or {}).get("kind") == "product"
        except (yaml.YAMLError, AttributeError):
            return False

    # Product rubrics first: project rubrics take their levels from them.
    for path in sorted(rubric_files(rubrics_dir), key=lambda p: not is_product(p)):
        try:
            rubric = parse_rubric(path.read_text(encoding="utf-8"), str(path), product_levels)
            if rubric.kind == "product":
                product_levels[rubric.id] = rubric.levels
        except RubricError as error:
            problems.extend(error.problems)
            continue
        if strict:
            problems.extend(rubric.unmet_rules)
        if rubric.id in rubrics:
            problems.append(
                f"{path}:1: rubric id '{rubric.id}' is also used by {rubrics[rubric.id].source}."
            )
        if path.stem != rubric.id:
            problems.append(f"{path}:1: the file name must be the rubric id ({rubric.id}.yml).")
        rubrics[rubric.id] = rubric
    for rubric in rubrics.values():
        if rubric.product_rubric and rubric.product_rubric not in rubrics:
            problems.append(f"{rubric.source}:1: no product rubric '{rubric.product_rubric}'.")
        elif rubric.product_rubric:
            product = rubrics[rubric.product_rubric]
            if product.kind != "product":
                problems.append(f"{rubric.source}:1: '{product.id}' is not a product rubric.")
            elif rubric.levels and rubric.levels != product.levels:
                problems.append(
                    f"{rubric.source}:1: its levels differ from those of '{product.id}'; "
                    "leave levels out to use the product rubric's."
                )
    if problems:
        raise RubricError(problems)
    return rubrics


def combined(rubrics: dict[str, Rubric], rubric_id: str) -> Rubric:
    """A project's full rubric: its content criteria, then its product rubric's criteria."""
    rubric = rubrics[rubric_id]
    if not rubric.product_rubric:
        return rubric
    product = rubrics[rubric.product_rubric]
    return Rubric(
        id=rubric.id,
        title=rubric.title,
        kind="project",
        levels=product.levels,
        criteria=rubric.criteria + product.criteria,
        products=product.products,
        product_rubric=product.id,
        product_task=rubric.product_task,
        source=rubric.source,
    )


def observed_html(observed: Observed) -> str:
    """How a criterion is scored by watching, as HTML (escaped: rubric text is author
    input and a shared project comes from another school). The grading page, feedback
    and teacher guide all show it this way."""
    from careerlab.html import escape

    items = "".join(f"<li>{escape(look_for)}</li>" for look_for in observed.look_for)
    return (
        f'<div class="careerlab-observed"><p><strong>Scored by watching</strong> '
        f"({escape(observed.skill)}): {escape(observed.when)}</p>"
        f"<p>Look for:</p><ul>{items}</ul></div>"
    )


def as_data(rubric: Rubric) -> dict[str, Any]:
    """The rubric as plain data (for JSON in feedback and exports)."""
    return {
        "id": rubric.id,
        "title": rubric.title,
        "levels": [{"id": lv.id, "name": lv.name, "points": lv.points} for lv in rubric.levels],
        "criteria": [
            {
                "id": c.id,
                "title": c.title,
                "weight": c.weight,
                "max_points": rubric.max_points(c),
                "skills": list(c.skills),
                "i_can": c.i_can,
                "part": c.part,
            }
            for c in rubric.criteria
        ],
    }
