"""The catalog: every project, described by the workbook.yml in its folder.

Nothing is kept by hand: the catalog is read from the workbook folders and each
project's metadata is validated here, so a broken project fails loudly (file and
problem) in ``careerlab check`` and the tests, not in class.

Owns the catalog (here), its Voila page (``page``) and ``catalog.ipynb``, whose URL
``/voila/render/extensions/careerlab/catalog/catalog.ipynb`` is public and does not move.
May import the top-level modules and ``rubrics.format``; ``author`` imports it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from careerlab import ProblemsError, course, project
from careerlab.rubrics.format import ID_PATTERN, SKILLS

# The 14 clusters of the Modernized Career Clusters Framework (Advance CTE, 2024)
# and their sub-clusters, spelled as in shared/docs/domain.md.
CLUSTERS: dict[str, tuple[str, ...]] = {
    "Advanced Manufacturing": ("Engineering", "Industrial Machinery", "Production & Automation",
                               "Robotics", "Safety & Quality Assurance"),
    "Construction": ("Architecture & Civil Engineering", "Construction Planning & Development",
                     "Equipment Operation & Maintenance", "Skilled Trades"),
    "Supply Chain & Transportation": ("Air & Space", "Ground & Rail", "Maintenance & Repair",
                                      "Marine", "Planning & Logistics",
                                      "Purchasing & Warehousing"),
    "Arts, Entertainment & Design": ("Design & Digital Arts", "Fashion & Interiors", "Fine Arts",
                                     "Lighting & Sound Technology",
                                     "Media Production & Broadcasting", "Performing Arts"),
    "Hospitality, Events & Tourism": ("Accommodations", "Conferences & Events",
                                      "Culinary & Food Services", "Travel & Leisure"),
    "Financial Services": ("Accounting", "Banking & Credit", "Financial Strategy & Investments",
                           "Insurance", "Real Estate"),
    "Education": ("Early Childhood Development", "Education Administration & Leadership",
                  "Learner Support & Community Engagement", "Teaching, Training & Facilitation"),
    "Healthcare & Human Services": ("Behavioral & Mental Health", "Biotechnology R&D",
                                    "Community & Social Services", "Health Data & Administration",
                                    "Personal Care Services", "Physical Health"),
    "Public Service & Safety": ("Emergency Response", "Judicial Systems",
                                "Local, State & Federal Services",
                                "Military & National Security", "Public Safety"),
    "Agriculture": ("Agribusiness", "Agricultural Technology & Automation", "Animal Systems",
                    "Food Science & Processing", "Plant Systems", "Water Systems"),
    "Energy & Natural Resources": ("Clean & Alternative Energy",
                                   "Conservation & Land Management", "Ecological R&D",
                                   "Environmental Protection", "Resource Extraction", "Utilities"),
    "Digital Technology": ("Data Science & AI", "IT Support & Services",
                           "Network Systems & Cybersecurity", "Software Solutions",
                           "Uncrewed Vehicle Technology", "Web & Cloud"),
    "Management & Entrepreneurship": ("Business Information Management",
                                      "Entrepreneurship & Small Business",
                                      "Leadership & Operations", "Project Management",
                                      "Regulation"),
    "Marketing & Sales": ("Marketing & Advertising", "Market Research, Analytics & Ethics",
                          "Retail & Customer Experience", "Strategic Sales"),
}  # fmt: skip
GRADE_BANDS = ("6-8", "9-12")
STAGES = ("awareness", "exploration", "experience", "preparation")
SUBJECTS = ("math", "science", "english language arts", "social studies", "computer science",
            "health", "career and technical education")  # fmt: skip
# Standard codes CareerLab recognises: Common Core math and ELA, NGSS performance
# expectations, CSTA K-12 CS standards.
STANDARD_CODE = re.compile(
    r"^(CCSS\.MATH\.CONTENT\.[A-Z0-9.-]+|CCSS\.MATH\.PRACTICE\.MP[1-8]"
    r"|CCSS\.ELA-LITERACY\.[A-Z0-9.-]+|(MS|HS)-(PS|LS|ESS|ETS)\d-\d+|[1-3][AB]?-[A-Z]{2,3}-\d{2})$"
)
STANDARD_FIELDS = ("code", "tasks", "why")
TASK_NAME = re.compile(ID_PATTERN)  # task ids and rubric criterion ids are spelled alike
# A project meets a handful of standards; hundreds is a mistake, and would swamp the card.
MAX_STANDARDS, MAX_STANDARD_TASKS, MAX_WHY = 40, 40, 300
SOC_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
FIELDS = ("id", "title", "cluster", "sub_cluster", "grade_band", "stage", "hours", "subjects",
          "lead_subject", "standards", "skills", "occupations", "rubric", "grasp",
          "people")  # fmt: skip
OPTIONAL_FIELDS = ("rubric", "people")
GRASP = ("goal", "role", "audience", "situation", "product")
# A person of the story as a reader sees the name: words of letters joined by a space,
# hyphen or apostrophe, an honorific's period allowed ("Dr. Lena Park", "Min-jun Kim").
# No digits, markup or pattern characters: ``careerlab check`` searches every project's
# files for these names.
PERSON_NAME = re.compile(r"[^\W\d_]+\.?(?:[ '’-][^\W\d_]+\.?){0,5}")
MAX_PEOPLE, MAX_PERSON_NAME = 40, 60


@dataclass(frozen=True)
class Standard:
    """A standard the project claims, with the parts of the work that meet it."""

    code: str
    # Task ids in workbook.md, or criterion ids of the project's rubric (a writing
    # standard met by the product); ``careerlab check`` makes sure each one exists.
    tasks: tuple[str, ...]
    why: str  # how those tasks meet it, in a sentence


@dataclass(frozen=True)
class Project:
    id: str
    title: str
    cluster: str
    sub_cluster: str
    grade_band: str
    stage: str
    hours: float
    subjects: tuple[str, ...]
    lead_subject: str
    standards: tuple[Standard, ...]
    skills: tuple[str, ...]
    occupations: tuple[dict[str, str], ...]
    rubric: str | None
    grasp: dict[str, str]
    people: tuple[str, ...] = ()  # the people the story names (``careerlab check``)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(standard.code for standard in self.standards)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("subjects", "standards", "skills", "occupations", "people"):
            data[key] = list(data[key])
        data["standards"] = [{**s, "tasks": list(s["tasks"])} for s in data["standards"]]
        return data


class CatalogError(ProblemsError):
    """A workbook.yml is wrong; ``problems`` lists each problem."""


def _texts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _short(value: Any) -> str:
    """A value quoted in a message, cut short: the file may hold anything."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _standard_problems(standards: Any) -> list[str]:
    """The shape of ``standards:``: each code once, with the tasks that meet it and why.
    Whether those tasks exist is ``careerlab check``'s (it reads workbook.md and the rubric)."""
    shape = "{code: CODE, tasks: [task-id], why: how the task meets it}"
    if not isinstance(standards, list) or not standards:
        return [f"must list the standards the tasks meet, each as {shape}."]
    if len(standards) > MAX_STANDARDS:
        return [
            f"{len(standards)} standards listed; at most {MAX_STANDARDS}. "
            "Keep only those a task really meets."
        ]
    problems: list[str] = []
    seen: set[str] = set()
    for number, entry in enumerate(standards, start=1):
        if not isinstance(entry, dict):
            problems.append(
                f"entry {number} ({_short(entry)}) must name the tasks that meet it: {shape}."
            )
            continue
        code = entry.get("code")
        if not isinstance(code, str) or len(code) > 60 or not STANDARD_CODE.match(code):
            problems.append(f"entry {number}: {_short(code)} is not a CCSS, NGSS or CSTA code.")
            code = f"entry {number}"
        elif code in seen:
            problems.append(f"{code} is listed twice; list it once, with all its tasks.")
        seen.add(code)
        unknown = [key for key in entry if key not in STANDARD_FIELDS]
        if unknown:
            problems.append(
                f"{code}: unknown field {_short(unknown[0])} (a standard has "
                f"{', '.join(STANDARD_FIELDS)})."
            )
        tasks = entry.get("tasks")
        if tasks is None or tasks == []:
            problems.append(
                f"{code} names no task. Add `tasks: [task-id]` with the task(s) in workbook.md "
                "(or rubric criteria) that meet it, or remove the standard."
            )
        elif not isinstance(tasks, list) or not all(
            isinstance(t, str) and TASK_NAME.fullmatch(t) for t in tasks
        ):
            problems.append(
                f"{code}: tasks must be a list of task ids (or rubric criterion ids), "
                "such as [best-value]."
            )
        elif len(tasks) > MAX_STANDARD_TASKS:
            problems.append(f"{code}: {len(tasks)} tasks; name at most {MAX_STANDARD_TASKS}.")
        why = entry.get("why")
        if not isinstance(why, str) or not why.strip():
            problems.append(f"{code}: `why` must say in a sentence how the tasks meet it.")
        elif len(why) > MAX_WHY:
            problems.append(f"{code}: `why` is {len(why)} characters; keep it under {MAX_WHY}.")
    return problems


def person_name(name: Any) -> str | None:
    """A declared person's name, trimmed, or None when it is not a plain name."""
    text = name.strip() if isinstance(name, str) else ""
    return text if len(text) <= MAX_PERSON_NAME and PERSON_NAME.fullmatch(text) else None


def _people_problems(people: Any) -> list[str]:
    """The shape of ``people:``: the names the story uses, each once, each a plain name."""
    if not isinstance(people, list):
        return ["must be a list of the names the story uses, such as [Maya Torres]."]
    if len(people) > MAX_PEOPLE:
        return [f"{len(people)} names; at most {MAX_PEOPLE}."]
    problems: list[str] = []
    seen: set[str] = set()
    for number, name in enumerate(people, start=1):
        text = person_name(name)
        if text is None:
            problems.append(
                f"entry {number} ({_short(name)}) is not a person's name: letters, with "
                f"spaces, hyphens or apostrophes between words, up to {MAX_PERSON_NAME} "
                "characters, such as 'Maya Torres' or 'Dr. Lena Park'."
            )
        elif text in seen:
            problems.append(f"{_short(text)} is listed twice.")
        else:
            seen.add(text)
    return problems


def validate(data: Any, folder: Path, rubric_ids: set[str] | None = None) -> list[str]:
    """Every problem with one project's metadata, each naming the file."""
    where = folder / course.METADATA_FILE
    if not isinstance(data, dict):
        return [f"{where}: must be a mapping of fields to values."]
    problems = [
        f"{where}: missing '{key}'."
        for key in FIELDS
        if key not in data and key not in OPTIONAL_FIELDS
    ]
    problems += [f"{where}: unknown field '{key}'." for key in data if key not in FIELDS]

    def bad(key: str, message: str) -> None:
        if key in data:
            problems.append(f"{where}: {key}: {message}")

    if data.get("id") != folder.name:
        bad("id", f"must be the folder's name, '{folder.name}'.")
    if not isinstance(data.get("title"), str) or not data.get("title", "").strip():
        bad("title", "must be text.")
    cluster = data.get("cluster")
    if cluster not in CLUSTERS:
        bad("cluster", f"'{cluster}' is not one of the 14 clusters ({', '.join(CLUSTERS)}).")
    elif data.get("sub_cluster") not in CLUSTERS[cluster]:
        bad("sub_cluster", f"'{data.get('sub_cluster')}' is not a sub-cluster of {cluster} "
                           f"({', '.join(CLUSTERS[cluster])}).")  # fmt: skip
    if data.get("grade_band") not in GRADE_BANDS:
        bad("grade_band", f"must be one of {', '.join(GRADE_BANDS)}.")
    if data.get("stage") not in STAGES:
        bad("stage", f"must be one of {', '.join(STAGES)}.")
    hours = data.get("hours")
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 40:
        bad("hours", "must be a number of hours between 0 and 40.")
    subjects = data.get("subjects")
    if not _texts(subjects) or any(s not in SUBJECTS for s in subjects):
        bad("subjects", f"must be a list from: {', '.join(SUBJECTS)}.")
    elif data.get("lead_subject") not in subjects:
        bad("lead_subject", "must be one of the project's subjects.")
    if "standards" in data:
        problems += [f"{where}: standards: {p}" for p in _standard_problems(data["standards"])]
    skills = data.get("skills")
    if not _texts(skills) or any(s not in SKILLS for s in skills):
        bad("skills", f"must be a list from: {', '.join(SKILLS)}.")
    occupations = data.get("occupations")
    if (
        not isinstance(occupations, list)
        or not occupations
        or not all(
            isinstance(o, dict) and SOC_CODE.match(str(o.get("soc", ""))) and o.get("title")
            for o in occupations
        )
    ):
        bad("occupations", "must list {soc: 'NN-NNNN.NN', title: ...} for each occupation.")
    rubric = data.get("rubric")
    if rubric is not None and rubric_ids is not None and rubric not in rubric_ids:
        bad("rubric", f"no rubric '{rubric}' in rubrics/.")
    grasp = data.get("grasp")
    if not isinstance(grasp, dict) or any(
        not isinstance(grasp.get(k), str) or not grasp[k].strip() for k in GRASP
    ):
        bad("grasp", f"must give text for each of {', '.join(GRASP)}.")
    if "people" in data:
        for problem in _people_problems(data["people"]):
            bad("people", problem)
    return problems


def load_project(folder: Path, rubric_ids: set[str] | None = None) -> Project:
    try:
        data = project.read(folder).data
    except project.ProjectFileError as error:
        raise CatalogError([str(error)]) from error
    problems = validate(data, folder, rubric_ids)
    if problems:
        raise CatalogError(problems)
    return Project(
        id=data["id"],
        title=data["title"],
        cluster=data["cluster"],
        sub_cluster=data["sub_cluster"],
        grade_band=data["grade_band"],
        stage=data["stage"],
        hours=float(data["hours"]),
        subjects=tuple(data["subjects"]),
        lead_subject=data["lead_subject"],
        standards=tuple(
            Standard(s["code"], tuple(s["tasks"]), s["why"].strip()) for s in data["standards"]
        ),
        skills=tuple(data["skills"]),
        occupations=tuple(dict(o) for o in data["occupations"]),
        rubric=data.get("rubric"),
        grasp=dict(data["grasp"]),
        people=tuple(name.strip() for name in data.get("people") or ()),
    )


def load_catalog(root: Path) -> list[Project]:
    """Every project in the course, or CatalogError with every problem found."""
    rubric_ids = {p.stem for p in (root / course.RUBRICS_DIRECTORY).glob("*.yml")}
    projects, problems = [], []
    for folder in course.assignments(root):
        try:
            projects.append(load_project(folder, rubric_ids))
        except CatalogError as error:
            problems.extend(error.problems)
    if problems:
        raise CatalogError(problems)
    return projects


def matches(project: Project, **filters: str | None) -> bool:
    """Filters as the command line and the catalog page take them; case does not matter."""

    def has(values: tuple[str, ...] | str, wanted: str | None) -> bool:
        if not wanted:
            return True
        values = (values,) if isinstance(values, str) else values
        return wanted.casefold() in (v.casefold() for v in values)

    return (
        has(project.cluster, filters.get("cluster"))
        and has(project.sub_cluster, filters.get("sub_cluster"))
        and has(project.grade_band, filters.get("grade_band"))
        and has(project.subjects, filters.get("subject"))
        and has(project.codes, filters.get("standard"))
        and has(project.skills, filters.get("skill"))
        and has(project.stage, filters.get("stage"))
    )
