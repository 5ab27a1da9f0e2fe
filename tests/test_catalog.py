"""The catalog: metadata validation, the command's filters and JSON, and the
page's actions (a teacher releases, a student opens) with the real nbgrader."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from careerlab.catalog import CLUSTERS, CatalogError, load_catalog, load_project
from careerlab.catalog.page import NOTEBOOK_PATH, card_html, open_for_student, release_to_class

from .conftest import REPO, make_course, run_app
from .servers import CHROMIUM, chromium_page, jupyter_lab, wait_until

REQUIRED = {"id", "title", "cluster", "sub_cluster", "grade_band", "subjects", "standards",
            "skills", "stage", "hours", "occupations"}  # fmt: skip


def catalog_json(root, *filters: str) -> list[dict]:
    result = run_app(root, "careerlab", "catalog", "--format", "json", *filters)
    return json.loads(result.stdout)


def test_the_json_lists_every_project_with_its_fields():
    projects = catalog_json(REPO)
    assert {p["id"] for p in projects} == {
        p.name for p in (REPO / "workbooks").iterdir() if p.is_dir()
    }
    for project in projects:
        assert REQUIRED <= set(project)
        assert project["cluster"] in CLUSTERS
        assert project["sub_cluster"] in CLUSTERS[project["cluster"]]


@pytest.mark.parametrize(
    "option, field",
    [("--cluster", "cluster"), ("--grade-band", "grade_band"), ("--stage", "stage"),
     ("--sub-cluster", "sub_cluster")],
)  # fmt: skip
def test_each_filter_keeps_only_matching_projects(option, field):
    everything = catalog_json(REPO)
    for value in {p[field] for p in everything}:
        chosen = catalog_json(REPO, option, value.upper())  # case does not matter
        assert chosen and all(p[field] == value for p in chosen)
        assert len(chosen) == sum(1 for p in everything if p[field] == value)


def test_list_filters_match_any_item():
    everything = catalog_json(REPO)
    skill = everything[0]["skills"][0]
    standard = everything[0]["standards"][0]["code"]
    assert {p["id"] for p in catalog_json(REPO, "--skill", skill)} == {
        p["id"] for p in everything if skill in p["skills"]
    }
    assert everything[0]["id"] in {p["id"] for p in catalog_json(REPO, "--standard", standard)}
    assert catalog_json(REPO, "--subject", "no such subject") == []


def test_the_table_counts_projects():
    result = run_app(REPO, "careerlab", "catalog")
    assert result.stdout.strip().endswith(f"of {len(catalog_json(REPO))} projects")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"cluster": "Information Technology"}, "cluster: 'Information Technology' is not one"),
        ({"sub_cluster": "Robotics"}, "sub_cluster: 'Robotics' is not a sub-cluster"),
        ({"grade_band": "K-5"}, "grade_band: must be one of"),
        (
            {"standards": [{"code": "CCSS.MATH.7.RP", "tasks": ["best-value"], "why": "x"}]},
            "standards: entry 1: 'CCSS.MATH.7.RP' is not a CCSS",
        ),
        (
            {"standards": [{"code": "MS-ESS1-1", "why": "the seasons"}]},
            "standards: MS-ESS1-1 names no task",
        ),
        ({"skills": ["charm"]}, "skills: must be a list from"),
        ({"occupations": [{"soc": "1234", "title": "x"}]}, "occupations: must list"),
        ({"hours": "three"}, "hours: must be a number"),
        ({"id": "other"}, "id: must be the folder's name"),
        ({"rubric": "missing-rubric"}, "rubric: no rubric 'missing-rubric'"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_broken_metadata_names_the_file_and_the_problem(course, change, message):
    folder = course / "workbooks" / "coffee-site"
    meta = folder / "workbook.yml"
    data = yaml.safe_load(meta.read_text())
    data.update(change)
    meta.write_text(yaml.safe_dump(data))
    with pytest.raises(CatalogError) as failure:
        load_project(folder, {p.stem for p in (course / "rubrics").glob("*.yml")})
    assert any(p.startswith(f"{meta}: ") and message in p for p in failure.value.problems), (
        failure.value.problems
    )
    result = run_app(course, "careerlab", "check", check=False)
    assert result.returncode == 1 and message in result.stderr


def test_a_project_without_metadata_fails(course):
    (course / "workbooks" / "coffee-site" / "workbook.yml").unlink()
    with pytest.raises(CatalogError, match="workbook.yml: missing"):
        load_catalog(course)


def test_cards_escape_everything(course):
    project = load_catalog(course)[0]
    hostile = project.__class__(**{**project.__dict__, "title": "<script>x</script>"})
    assert "<script>" not in card_html(hostile) and "&lt;script&gt;" in card_html(hostile)


def test_a_teacher_releases_and_a_student_opens(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    monkeypatch.setenv("CAREERLAB_EXCHANGE", str(root / "exchange"))
    monkeypatch.setenv("CAREERLAB_STUDENT_DIR", str(tmp_path / "student"))
    message = release_to_class(root, "first-paycheck")
    assert message.startswith("Released first-paycheck"), message
    assert (root / "exchange" / "careerlab" / "outbound" / "first-paycheck").is_dir()
    copy = open_for_student(root, "first-paycheck")
    assert copy == tmp_path / "student" / "first-paycheck"
    assert (copy / "first-paycheck.ipynb").exists()
    (copy / "first-paycheck.answers.json").write_text("mine")
    assert open_for_student(root, "first-paycheck") == copy  # never overwritten
    assert (copy / "first-paycheck.answers.json").read_text() == "mine"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)")
def test_the_catalog_page_filters_releases_and_opens(tmp_path):
    root = make_course(tmp_path / "course")
    shutil.copytree(REPO / "extensions" / "careerlab" / "catalog",
                    root / "extensions" / "careerlab" / "catalog")  # fmt: skip
    run_app(root, "careerlab", "release", "first-paycheck")
    total = len(load_catalog(root))
    with jupyter_lab(root, root, tmp_path / "state") as server, chromium_page(tmp_path) as page:
        page.goto(f"{server.url}/voila/render/{NOTEBOOK_PATH}?token={server.token}")
        cards = page.locator("article.careerlab-card")
        cards.first.wait_for(timeout=60_000)
        assert cards.count() == total
        finance = [p for p in load_catalog(root) if p.cluster == "Financial Services"]
        page.get_by_label("Career cluster").select_option("Financial Services")
        wait_until(lambda: cards.count() == len(finance), "the cluster filter")
        card = page.locator(
            ".widget-vbox", has=page.get_by_role("heading", name="Your First Paycheck")
        )
        card = card.filter(has=page.get_by_role("button", name="Open")).last
        card.get_by_role("button", name="Release to class").click()
        page.get_by_text("Released first-paycheck to the class").wait_for(timeout=60_000)
        assert (root / "exchange" / "careerlab" / "outbound" / "first-paycheck").is_dir()
        card.get_by_role("button", name="Open").click()
        link = page.get_by_role("link", name="Open Your First Paycheck in JupyterLab")
        link.wait_for(timeout=60_000)
        assert link.get_attribute("href").endswith("first-paycheck/first-paycheck.ipynb")
        assert page.dialogs == []  # type: ignore[attr-defined]
