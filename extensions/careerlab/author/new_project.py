"""``careerlab new``: start a project that already passes every check.

A teacher who does not code should never face an empty folder. The new project has
every file a project needs, written as plain files (``workbook.yml``, ``workbook.md``,
a small hand-written data file with its datasheet, ``solutions.yml`` and a rubric), a
GRASP scenario and one task of each common shape to edit or copy: a choice, a data
question whose code path is two declared analysis steps, a written product, the
rubric and a self-assessment. Every sentence the author must replace says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from careerlab import course
from careerlab.author.workbook_text import (
    Code,
    Data,
    Rubric,
    TaskBlock,
    Text,
    WorkbookText,
    dump,
    yaml_text,
)

PROJECT_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?")
DATA_FILE = "options.csv"
# Every line of the template an author must write starts so; until none is left the
# workbook's prose is not written, and its reading level is not judged (readability).
PLACEHOLDER = "Replace:"

# One real occupation per cluster, to start from; the author names their own role's
# occupation in workbook.yml. Titles come from the BLS wage data, not from here.
STARTING_OCCUPATION = {
    "Advanced Manufacturing": "17-2112",  # Industrial Engineers
    "Construction": "13-1051",  # Cost Estimators
    "Supply Chain & Transportation": "13-1081",  # Logisticians
    "Arts, Entertainment & Design": "27-1024",  # Graphic Designers
    "Hospitality, Events & Tourism": "13-1121",  # Meeting, Convention, and Event Planners
    "Financial Services": "13-2011",  # Accountants and Auditors
    "Education": "25-2021",  # Elementary School Teachers
    "Healthcare & Human Services": "29-1141",  # Registered Nurses
    "Public Service & Safety": "33-2011",  # Firefighters
    "Agriculture": "11-9013",  # Farmers, Ranchers, and Other Agricultural Managers
    "Energy & Natural Resources": "47-2231",  # Solar Photovoltaic Installers
    "Digital Technology": "15-1252",  # Software Developers
    "Management & Entrepreneurship": "11-1021",  # General and Operations Managers
    "Marketing & Sales": "13-1161",  # Market Research Analysts and Marketing Specialists
}

# A small table an author replaces with their own: options a professional compares.
OPTIONS_CSV = """option,cost_dollars,people_served
Option A,4200,150
Option B,6900,300
Option C,2500,60
Option D,5400,200
"""


class NewProjectError(ValueError):
    pass


def _title(project_id: str) -> str:
    return project_id.replace("-", " ").capitalize()


def _occupation(cluster: str) -> dict[str, str]:
    from careerlab.workbook.careers import load_wages

    soc = STARTING_OCCUPATION[cluster]
    wages = load_wages()
    titles = wages.loc[wages["soc"].astype(str) == soc, "title"]
    title = str(titles.iloc[0]) if len(titles) else soc
    return {"soc": f"{soc}.00", "title": title}


def check_arguments(root: Path, project_id: str, cluster: str, grade_band: str) -> list[str]:
    from careerlab.catalog import CLUSTERS, GRADE_BANDS

    problems = []
    if not PROJECT_ID.fullmatch(project_id):
        problems.append(
            f"{project_id!r}: a project id is lowercase letters, digits and - "
            "(it names the folder and the notebook), such as construction-estimate."
        )
    elif (root / course.SOURCE_DIRECTORY / project_id).exists():
        problems.append(f"{course.SOURCE_DIRECTORY}/{project_id}/ already exists; pick another id.")
    elif (root / course.RUBRICS_DIRECTORY / f"{project_id}.yml").exists():
        problems.append(f"{course.RUBRICS_DIRECTORY}/{project_id}.yml already exists.")
    if cluster not in CLUSTERS:
        problems.append(f"{cluster!r} is not one of the 14 clusters: {', '.join(CLUSTERS)}.")
    if grade_band not in GRADE_BANDS:
        problems.append(f"--grade-band must be one of {', '.join(GRADE_BANDS)}.")
    return problems


def create(root: Path, project_id: str, cluster: str, grade_band: str) -> Path:
    """Write the new project's files; raises NewProjectError and writes nothing on a problem."""
    from careerlab.catalog import CLUSTERS

    problems = check_arguments(root, project_id, cluster, grade_band)
    if problems:
        raise NewProjectError("\n".join(problems))
    folder = root / course.SOURCE_DIRECTORY / project_id
    writing = "WHST.6-8.1" if grade_band == "6-8" else "WHST.9-10.1"
    # Each standard names the task that meets it (careerlab check holds the author to it).
    standards = [
        {
            "code": "CCSS.MATH.PRACTICE.MP4",
            "tasks": ["best-option"],
            "why": "Cost per person models which option gives the most for the money.",
        },
        {
            "code": f"CCSS.ELA-LITERACY.{writing}",
            "tasks": ["recommendation"],
            "why": "The memo or slide argues for one option with numbers as evidence.",
        },
    ]
    metadata = {
        "id": project_id,
        "title": _title(project_id),
        "cluster": cluster,
        "sub_cluster": CLUSTERS[cluster][0],
        "grade_band": grade_band,
        "stage": "exploration",
        "hours": 2,
        "subjects": ["math", "english language arts"],
        "lead_subject": "math",
        "standards": standards,
        "skills": ["nace:critical-thinking", "nace:communication"],
        "occupations": [_occupation(cluster)],
        "rubric": project_id,
        "grasp": {
            "goal": "Replace: what the student must decide or make, in one sentence.",
            "role": "Replace: the real job the student plays, and where they work.",
            "audience": "Replace: who reads the student's work, and their job title.",
            "situation": "Replace: what is happening, and why the decision matters now.",
            "product": "A recommendation memo or a one-page slide that names one option.",
        },
    }
    files = {
        folder / course.METADATA_FILE: _commented_metadata(metadata),
        folder / course.TEXT_FILE: dump(_workbook(project_id)),
        folder / DATA_FILE: OPTIONS_CSV,
        folder / "options.datasheet.yml": _datasheet(),
        root / course.RUBRICS_DIRECTORY / f"{project_id}.yml": _rubric(project_id),
    }
    folder.mkdir(parents=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    from careerlab.author import build
    from careerlab.author.rubric_cells import workbook_rubric

    rubric = workbook_rubric(folder)
    criteria = [criterion.id for criterion in rubric.criteria] if rubric else []
    (folder / course.SOLUTIONS_FILE).write_text(_solutions(project_id, criteria), encoding="utf-8")
    build.build(folder)
    return folder


def _commented_metadata(metadata: dict) -> str:
    return (
        "# The project's card in the catalog. Every field is explained in docs/authoring.md;\n"
        "# the lists of clusters, sub-clusters and skills are in docs/reference.md.\n"
        "# List only the standards a task really meets, each with those tasks and why\n"
        "# (replace the two below when you replace the tasks).\n" + yaml_text(metadata) + "\n"
    )


def _workbook(project_id: str) -> WorkbookText:
    parts = [
        Text(
            "# Replace: the project's title as a question\n\n"
            "*A career project. It takes about two hours.*\n\n"
            "## Your mission\n\n"
            "| | |\n|---|---|\n"
            "| **Goal** | Replace: what you must decide or make. |\n"
            "| **Role** | Replace: you are a ... at ... |\n"
            "| **Audience** | Replace: who will read your work. |\n"
            "| **Situation** | Replace: what is happening, and why it matters now. |\n"
            "| **Product** | A short memo or a one-page slide that names one option. |\n\n"
            "**How to work:** Run each cell from top to bottom (press **Shift + Enter**). "
            "Your answers save as you go.",
            "intro",
        ),
        Code(
            "import pandas as pd\n\nfrom careerlab import Workbook\n\n"
            f'wb = Workbook("{project_id}")',
            "setup",
        ),
        Text(
            "## 1. Start with the right question\n\n"
            "Replace: a sentence from the audience about what they need.",
            "question-intro",
        ),
        TaskBlock(
            "choice",
            {
                "id": "research-question",
                "title": "The question to answer",
                "prompt": "Which question should your work answer?",
                "options": {
                    "value": "Which option helps the most people for the money?",
                    "cheapest": "Which option costs the least, even if it helps few people?",
                    "biggest": "Which option is the biggest, whatever it costs?",
                },
                "answer": "value",
                "points": 1,
                "hint": "Think about what the audience said they need: people helped and money.",
            },
        ),
        Text(
            "## 2. Meet the data\n\n"
            "Each row of the table is one option. `cost_dollars` is what the option costs, "
            "and `people_served` is how many people it helps. Replace this table with your "
            f"own data: edit `{DATA_FILE}` and its datasheet.",
            "data-intro",
        ),
        Data("options", DATA_FILE),
        Text(
            "Which option costs the least **for each person it serves**? First find the "
            "cost per person of each option (cost ÷ people served). Then find the smallest.\n\n"
            "- **No code:** work out the cost per person of each option, then use the menus.\n"
            "- **With code:** write pandas code in the cell after the menus. "
            "Set `best_option` to your answer.",
            "best-intro",
        ),
        TaskBlock(
            "data_analysis",
            {
                "id": "best-option",
                "title": "The best value",
                "prompt": "Which option has the lowest cost for each person served?",
                "data": "options",
                "columns": ["cost_dollars", "people_served"],
                "label_column": "option",
                "answer": "Option B",
                "points": 2,
                "code_path": {
                    "variable": "best_option",
                    "steps": [
                        {
                            "derive": {
                                "column": "cost_per_person",
                                "formula": "cost_dollars / people_served",
                                "round": 2,
                            }
                        },
                        {
                            "summary": {
                                "column": "cost_per_person",
                                "statistic": "lowest",
                                "label": "option",
                            }
                        },
                    ],
                },
            },
        ),
        Text(
            "## 3. Write your recommendation\n\n"
            "Choose a memo or a slide. Give your answer first, and use numbers from your work.",
            "product-intro",
        ),
        TaskBlock(
            "product",
            {
                "id": "recommendation",
                "title": "Your recommendation",
                "prompt": "Write a memo or make a slide for your audience. Use numbers.",
                "products": ["memo", "slide"],
                "answer": {"min_words": 60},
                "points": 1,
            },
        ),
        Rubric(),
        Text(
            "## Rate your own work\n\nRead each **I can** statement and choose your level.",
            "self-check-intro",
        ),
        TaskBlock(
            "self_assessment",
            {
                "id": "self-check",
                "title": "Rate your own work",
                "prompt": "Read each I can statement and choose your level.",
            },
        ),
        Text(
            "## Is this job for you?\n\nThink about the work you did. There are no wrong answers.",
            "career-fit-intro",
        ),
        TaskBlock(
            "career_fit",
            {
                "id": "career-fit",
                "title": "Is this job for you?",
                "prompt": "Answer each question in a sentence or two.",
                "answer": 3,
                "points": 1,
            },
        ),
        Text(
            "## Check your work\n\nRun the cell below to see which tasks you have answered.",
            "check-intro",
        ),
        Code("wb.check()", "progress"),
    ]
    return WorkbookText(parts)


def _datasheet() -> str:
    columns = {
        "option": {"label": "Option"},
        "cost_dollars": {"label": "Cost", "unit": "dollars"},
        "people_served": {"label": "People served", "unit": "people"},
    }
    sheet = {
        "title": "Four options to compare (an example: replace it)",
        "about": "One row per option. Made up by careerlab new as an example.",
        "made": "by-hand",
        "source": "Written by hand by the project's author.",
        "license": "CC0-1.0",
        "synthetic": True,
        "columns": columns,
    }
    return yaml_text(sheet) + "\n"


def _solutions(project_id: str, criteria: list[str]) -> str:
    solutions = {
        project_id: {
            "research-question": "value",
            "best-option": {"column": "cost_dollars", "statistic": "lowest"},
            "recommendation": {
                "product": "memo",
                "parts": {
                    "to": "The director",
                    "subject": "Choose Option B",
                    "recommendation": (
                        "I recommend Option B. It costs 6,900 dollars and serves 300 people, "
                        "so each person costs 23 dollars, the lowest of the four options."
                    ),
                    "evidence": (
                        "Option A costs 28 dollars a person, Option C costs 41.67 dollars, and "
                        "Option D costs 27 dollars a person."
                    ),
                    "risks": "The costs are estimates. We should check them with a quote.",
                    "next_steps": "Ask for written quotes this week and decide next month.",
                },
            },
            "self-check": dict.fromkeys(criteria, "proficient"),
            "career-fit": {
                "liked": "I liked working out which option gives the most for the money.",
                "learn": "I would need to learn how to get real quotes and plan a budget.",
                "would_try": "maybe",
            },
        }
    }
    return (
        "# What a student who gets everything right enters, per notebook. Never released.\n"
        + yaml.safe_dump(solutions, sort_keys=False, allow_unicode=True, width=100)
    )


def _rubric(project_id: str) -> str:
    return f"""# Project rubric for workbooks/{project_id}: the content of the analysis.
# The product rubric it names scores the memo or slide itself.
id: {project_id}
title: Replace with the project's title
kind: project
product_rubric: recommendation
product_task: recommendation
criteria:
  - id: analysis
    title: Accurate analysis
    weight: 2
    skills: [esf:applied-knowledge, nace:critical-thinking]
    i_can: I can find the cost per person of each option and use it to compare them.
    descriptors:
      beginning: The costs per person are missing, or most of them are wrong.
      developing: Some costs per person are right, but some are wrong or have no units.
      proficient: The cost per person is right for each option, with units.
      advanced: The work also asks what the numbers leave out, such as quality or risk.

  # Scored by watching (careerlab check wants one per project rubric): collaboration,
  # oral presentation or professional conduct. Say when, and what to look for.
  - id: teamwork
    title: Working with a partner
    weight: 1
    skills: [nace:teamwork, esf:effective-relationships]
    i_can: I can share the work with my partner and listen to their ideas before we agree.
    observed:
      skill: collaboration
      when: Replace with when you watch, such as the period when partners compare answers.
      look_for:
        - Listens to the partner's idea and answers it.
        - Shares the work so that each partner does a part.
    descriptors:
      beginning: Works alone, or leaves the work to the partner.
      developing: Shares some of the work, but talks over the partner's ideas.
      proficient: Shares the work and listens to the partner's ideas before agreeing.
      advanced: Settles a disagreement by asking for the evidence on each side.
"""
