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
from careerlab.rubrics.format import SKILLS

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
SOC_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
FIELDS = ("id", "title", "cluster", "sub_cluster", "grade_band", "stage", "hours", "subjects",
          "lead_subject", "standards", "skills", "occupations", "rubric", "grasp")  # fmt: skip
GRASP = ("goal", "role", "audience", "situation", "product")


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
    standards: tuple[str, ...]
    skills: tuple[str, ...]
    occupations: tuple[dict[str, str], ...]
    rubric: str | None
    grasp: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("subjects", "standards", "skills", "occupations"):
            data[key] = list(data[key])
        return data


class CatalogError(ProblemsError):
    """A workbook.yml is wrong; ``problems`` lists each problem."""


def _texts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def validate(data: Any, folder: Path, rubric_ids: set[str] | None = None) -> list[str]:
    """Every problem with one project's metadata, each naming the file."""
    where = folder / course.METADATA_FILE
    if not isinstance(data, dict):
        return [f"{where}: must be a mapping of fields to values."]
    problems = [
        f"{where}: missing '{key}'." for key in FIELDS if key not in data and key != "rubric"
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
    standards = data.get("standards")
    if not _texts(standards):
        bad("standards", "must be a list of standard codes.")
    else:
        for code in standards:
            if not STANDARD_CODE.match(code):
                bad("standards", f"'{code}' is not a CCSS, NGSS or CSTA code.")
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
        standards=tuple(data["standards"]),
        skills=tuple(data["skills"]),
        occupations=tuple(dict(o) for o in data["occupations"]),
        rubric=data.get("rubric"),
        grasp=dict(data["grasp"]),
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
        and has(project.standards, filters.get("standard"))
        and has(project.skills, filters.get("skill"))
        and has(project.stage, filters.get("stage"))
    )
