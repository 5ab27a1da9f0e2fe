"""A project's teacher-guide prose, ``workbooks/<id>/guide.yml``: what we write per project.

Only what the workbook's own files cannot say lives here (objectives, pacing, materials,
vocabulary, misconceptions, scaffolds, English-learner supports, extensions); every fact
(title, standards, answer key, exemplar, rubric, and how the teacher observes a skill: the
rubric's observed criteria) is read from those files when the guide is rendered. Every
problem is reported at once as ``file:line: message``. A task the prose names must exist,
so a renamed task is caught by ``careerlab check`` instead of misleading a teacher.

The format (each text is plain text, shown escaped)::

    objectives: [Students calculate ..., ...]          # what students learn, 2 to 8
    pacing:                                             # one entry per 50-minute period
      - title: Meet the client
        steps:
          - {minutes: 10, do: Read the scenario aloud ..., tasks: [research-question]}
    materials: [Chromebooks or laptops with the workbook open, ...]
    vocabulary:                                         # for students: plain definitions
      - {term: capture rate, definition: The share of people walking past who come in.}
    misconceptions:
      - {students_think: ..., respond: ..., task: busiest-site}   # task: optional
    scaffolds: [Pair students ..., ...]                 # for students who need support
    english_learners:
      glossary: [{term: rent, meaning: Money paid each month to use a space.}]
      sentence_frames: [I recommend ___ because ___.]
    extensions: [...]                                   # for advanced students
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import Node, ScalarNode

from careerlab.course import GUIDE_FILE
from careerlab.rubrics.format import _Checker

PERIOD_MINUTES = 50  # a class period, as schools in the US commonly schedule them
MAX_FILE_BYTES = 200_000  # a guide is a few kB; more is a mistake
MAX_ITEMS = 40  # per list: a guide a teacher reads, not a dump


@dataclass(frozen=True)
class Step:
    minutes: int
    do: str
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class Period:
    title: str
    steps: tuple[Step, ...]

    @property
    def minutes(self) -> int:
        return sum(step.minutes for step in self.steps)


@dataclass(frozen=True)
class Misconception:
    students_think: str
    respond: str
    task: str | None


@dataclass(frozen=True)
class Prose:
    objectives: tuple[str, ...]
    pacing: tuple[Period, ...]
    materials: tuple[str, ...]
    vocabulary: tuple[tuple[str, str], ...]  # (term, definition)
    misconceptions: tuple[Misconception, ...]
    scaffolds: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]  # (term, meaning)
    sentence_frames: tuple[str, ...]
    extensions: tuple[str, ...]


class GuideError(ValueError):
    """guide.yml is wrong: ``problems`` lists every problem, ``file:line: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Check(_Checker):
    """The rubric format's checker (file:line messages) with the few shapes a guide adds.

    A node of None is a required key that is missing: ``mapping`` has said so already,
    so it is not reported twice."""

    def mapping(self, node: Node | None, where: str, required: set[str], optional: set[str]):
        return {} if node is None else super().mapping(node, where, required, optional)

    def sequence(self, node: Node | None, where: str) -> list[Node]:
        return [] if node is None else super().sequence(node, where)

    def text(self, node: Node | None, where: str) -> str:
        if node is None:
            return ""
        # `yes`, `12` or `null` is YAML for true, a number, nothing: not the sentence meant.
        if isinstance(node, ScalarNode) and node.tag != "tag:yaml.org,2002:str":
            self.fail(node, f"{where} must be text (put it in quotes).")
            return ""
        return super().text(node, where)

    def items(self, node: Node | None, where: str, least: int = 1) -> list[Node]:
        items = self.sequence(node, where)
        if items and not least <= len(items) <= MAX_ITEMS:
            self.fail(node, f"{where} must have {least} to {MAX_ITEMS} entries.")
        return items[:MAX_ITEMS]

    def texts(self, node: Node | None, where: str, least: int = 1) -> tuple[str, ...]:
        items = self.items(node, where, least)
        return tuple(self.text(item, f"{where}[{i}]") for i, item in enumerate(items))

    def minutes(self, node: Node | None, where: str) -> int:
        value = None
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:int":
            value = int(node.value)
        if node is not None and (value is None or not 1 <= value <= PERIOD_MINUTES):
            self.fail(node, f"{where} must be a whole number of minutes, 1 to {PERIOD_MINUTES}.")
            return 0
        return value

    def task(self, node: Node | None, where: str, tasks: set[str] | None) -> str:
        value = self.text(node, where)
        if value and tasks is not None and value not in tasks:
            known = ", ".join(sorted(tasks)) or "none"
            self.fail(node, f"{where}: no task '{value}' in workbook.md (its tasks: {known}).")
        return value

    def pairs(self, node: Node | None, where: str, left: str, right: str) -> tuple:
        found = []
        for i, item in enumerate(self.items(node, where)):
            fields = self.mapping(item, f"{where}[{i}]", {left, right}, set())
            found.append(
                (
                    self.text(fields.get(left), f"{where}[{i}].{left}"),
                    self.text(fields.get(right), f"{where}[{i}].{right}"),
                )
            )
        return tuple(found)


TOP = {
    "objectives", "pacing", "materials", "vocabulary", "misconceptions", "scaffolds",
    "english_learners", "extensions",
}  # fmt: skip
# Keys that moved out of guide.yml, and where to: said plainly instead of "unknown key".
MOVED = {
    "observe": "how the teacher observes a skill is now the rubric's: give a criterion "
    "`observed: {skill, when, look_for}` in rubrics/<project>.yml (docs/authoring.md)",
}


def _period(check: _Check, node: Node, where: str, tasks: set[str] | None) -> Period:
    fields = check.mapping(node, where, {"title", "steps"}, set())
    steps = []
    for i, item in enumerate(check.items(fields.get("steps"), f"{where}.steps")):
        at = f"{where}.steps[{i}]"
        step = check.mapping(item, at, {"minutes", "do"}, {"tasks"})
        named = []
        if "tasks" in step:
            for j, task in enumerate(check.items(step["tasks"], f"{at}.tasks")):
                named.append(check.task(task, f"{at}.tasks[{j}]", tasks))
        steps.append(
            Step(check.minutes(step.get("minutes"), f"{at}.minutes"),
                 check.text(step.get("do"), f"{at}.do"), tuple(named))
        )  # fmt: skip
    period = Period(check.text(fields.get("title"), f"{where}.title"), tuple(steps))
    if period.minutes > PERIOD_MINUTES:
        check.fail(node, f"{where}: its steps take {period.minutes} minutes; a period has "
                         f"{PERIOD_MINUTES}. Move a step to another period.")  # fmt: skip
    return period


def parse(text: str, source: str, tasks: set[str] | None = None) -> Prose:
    """The prose of one guide, checked; ``tasks`` (when given) are the ids the workbook
    has, which every task the prose names must be."""
    check = _Check(source)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise GuideError([f"{source}:1: the file is over {MAX_FILE_BYTES:,} bytes."])
    try:
        # An alias repeats a node (a few lines can stand for billions): never needed here.
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise GuideError([f"{source}:1: anchors and aliases (& and *) are not allowed."])
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        # A colon or comma inside a {flow: mapping} is the usual slip: the problem says which.
        why = getattr(error, "problem", None) or "see the line"
        raise GuideError(
            [f"{source}:{line}: not valid YAML ({why}); put text in quotes."]
        ) from None
    if root is None:
        raise GuideError([f"{source}:1: the file is empty."])
    if isinstance(root, yaml.MappingNode):
        for key, _ in root.value:
            if isinstance(key, ScalarNode) and key.value in MOVED:
                check.fail(key, f"{key.value}: {MOVED[key.value]}.")
    top = check.mapping(root, "the guide", TOP, set(MOVED))
    pacing = tuple(
        _period(check, node, f"pacing[{i}]", tasks)
        for i, node in enumerate(check.items(top.get("pacing"), "pacing"))
    )
    misconceptions = []
    for i, node in enumerate(check.items(top.get("misconceptions"), "misconceptions")):
        at = f"misconceptions[{i}]"
        fields = check.mapping(node, at, {"students_think", "respond"}, {"task"})
        misconceptions.append(
            Misconception(
                check.text(fields.get("students_think"), f"{at}.students_think"),
                check.text(fields.get("respond"), f"{at}.respond"),
                check.task(fields["task"], f"{at}.task", tasks) if "task" in fields else None,
            )
        )
    learners = check.mapping(top.get("english_learners"), "english_learners",
                             {"glossary", "sentence_frames"}, set())  # fmt: skip
    prose = Prose(
        objectives=check.texts(top.get("objectives"), "objectives", least=2),
        pacing=pacing,
        materials=check.texts(top.get("materials"), "materials"),
        vocabulary=check.pairs(top.get("vocabulary"), "vocabulary", "term", "definition"),
        misconceptions=tuple(misconceptions),
        scaffolds=check.texts(top.get("scaffolds"), "scaffolds"),
        glossary=check.pairs(
            learners.get("glossary"), "english_learners.glossary", "term", "meaning"
        ),  # fmt: skip
        sentence_frames=check.texts(
            learners.get("sentence_frames"), "english_learners.sentence_frames"
        ),  # fmt: skip
        extensions=check.texts(top.get("extensions"), "extensions"),
    )
    if check.problems:
        raise GuideError(check.problems)
    return prose


def guide_path(folder: Path) -> Path:
    return folder / GUIDE_FILE


def read(folder: Path, tasks: set[str] | None = None) -> Prose:
    path = guide_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GuideError([f"{path}:1: missing; write the project's teacher guide here."]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise GuideError([f"{path}:1: cannot be read ({error})."]) from None
    return parse(text, str(path), tasks)


def check(folder: Path) -> list[str]:
    """``careerlab check``'s problems with a project's guide.yml (none when it has none yet:
    a new project is written without one). Task names are checked against workbook.md
    when it can be read (its own check reports it otherwise)."""
    from careerlab.author import build

    if not guide_path(folder).exists():
        return []
    tasks: set[str] | None
    try:
        tasks = {str(block.fields.get("id")) for block in build.read(folder).tasks}
    except build.BuildError:
        tasks = None
    try:
        read(folder, tasks)
    except GuideError as error:
        return error.problems
    return []
