"""The rubric format: valid rubrics load; broken ones fail naming file and line."""

from __future__ import annotations

import textwrap

import pytest

from careerlab.rubrics.format import RubricError, combined, load_all, parse_rubric

from .conftest import REPO, run_app

LEVELS = """\
levels:
  - {id: beginning, name: Beginning, points: 1}
  - {id: developing, name: Developing, points: 2}
  - {id: proficient, name: Proficient, points: 3}
  - {id: advanced, name: Advanced, points: 4}
"""
DESCRIPTORS = "{beginning: b, developing: d, proficient: p, advanced: a}"
PRODUCT = f"""\
id: pitch
title: Pitch
kind: product
products: [memo, slide]
{LEVELS}criteria:
  - id: claim
    title: Clear claim
    weight: 2
    skills: [nace:communication]
    i_can: I can state one clear claim.
    descriptors:
      memo: {DESCRIPTORS}
      slide: {DESCRIPTORS}
"""
PROJECT = f"""\
id: shop
title: Shop project
kind: project
product_rubric: pitch
product_task: deliverable
criteria:
  - id: analysis
    title: Analysis
    weight: 1
    skills: [nace:critical-thinking, esf:applied-knowledge]
    i_can: I can use data to compare options.
    descriptors: {DESCRIPTORS}
"""


def write(folder, name, text):
    (folder / name).write_text(textwrap.dedent(text))


def test_a_project_combines_its_content_criteria_with_a_product_rubric(tmp_path):
    write(tmp_path, "pitch.yml", PRODUCT)
    write(tmp_path, "shop.yml", PROJECT)
    rubric = combined(load_all(tmp_path), "shop")
    assert [c.id for c in rubric.criteria] == ["analysis", "claim"]
    assert [c.part for c in rubric.criteria] == ["content", "product"]
    claim = rubric.criterion("claim")
    assert rubric.max_points(claim) == 8  # top level 4 x weight 2
    assert rubric.points(claim, "developing") == 4
    assert claim.descriptor("developing", "slide") == "d"
    assert rubric.next_level("proficient").id == "advanced"
    assert rubric.next_level("advanced") is None


@pytest.mark.parametrize(
    "old, new, at, message",
    [
        ("weight: 2", "weight: lots", "weight: lots", "weight must be a positive number"),
        ("[nace:communication]", "[nace:charm]", "nace:charm", "unknown skill 'nace:charm'"),
        ("      slide: " + DESCRIPTORS + "\n", "", "memo:", "descriptors: missing 'slide'"),
        ("Advanced, points: 4}", "Advanced, points: 0}", "points: 0", "level points must be"),
        ("i_can: I can state one clear claim.", "i_can: ''", "i_can:", "i_can must be non-empty"),
        (
            "title: Clear claim",
            "title: Clear claim\n    colour: red",
            "colour",
            "unknown key 'colour'",
        ),
        ("id: claim", "id: Claim!", "Claim!", "criterion id 'Claim!' must be lowercase"),
        (
            "memo: {beginning: b,",
            "memo: {beginning: b, expert: e,",
            "expert",
            "unknown key 'expert'",
        ),
    ],
)
def test_a_broken_rubric_names_file_line_and_problem(tmp_path, old, new, at, message):
    assert old in PRODUCT
    text = PRODUCT.replace(old, new)
    line = next(n for n, content in enumerate(text.splitlines(), 1) if at in content)
    path = tmp_path / "pitch.yml"
    path.write_text(text)
    with pytest.raises(RubricError) as failure:
        load_all(tmp_path)
    problems = failure.value.problems
    assert any(p.startswith(f"{path}:{line}:") and message in p for p in problems), problems


def test_invalid_yaml_gives_its_line(tmp_path):
    with pytest.raises(RubricError, match=r"x.yml:3: not valid YAML"):
        parse_rubric("id: a\ntitle: b\n  kind: [oops\n", "x.yml")


def test_a_project_must_name_an_existing_product_rubric(tmp_path):
    write(tmp_path, "shop.yml", PROJECT)
    with pytest.raises(RubricError, match="no product rubric 'pitch'"):
        load_all(tmp_path)


def test_the_file_name_must_be_the_id(tmp_path):
    write(tmp_path, "other.yml", PRODUCT)
    with pytest.raises(RubricError, match=r"file name must be the rubric id \(pitch.yml\)"):
        load_all(tmp_path)


def test_levels_must_rise(tmp_path):
    write(tmp_path, "pitch.yml", PRODUCT.replace("points: 3}", "points: 5}"))
    with pytest.raises(RubricError, match="lowest to highest"):
        load_all(tmp_path)


def test_the_course_rubrics_are_valid():
    load_all(REPO / "rubrics")


def test_the_check_command_names_file_and_line(course):
    broken = course / "rubrics" / "recommendation.yml"
    lines = broken.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if "weight:" in line)
    lines[at] = lines[at].split("weight:")[0] + "weight: -3"
    broken.write_text("\n".join(lines) + "\n")
    result = run_app(course, "careerlab", "rubric", "check", check=False)
    assert result.returncode == 1
    assert f"{broken}:{at + 1}: criterion" in result.stderr
    assert "weight must be a positive number" in result.stderr


def test_rubric_cells_carry_the_rubric_points(course):
    import nbformat

    from careerlab.author.rubric_cells import workbook_rubric

    rubric = workbook_rubric(course / "workbooks" / "coffee-site")
    nb = nbformat.read(course / "workbooks" / "coffee-site" / "coffee-site.ipynb", as_version=4)
    points = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("task")
    }
    assert points == {f"rubric-{c.id}": rubric.top.points * c.weight for c in rubric.criteria}
