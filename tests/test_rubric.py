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
        ("Advanced, points: 4}", "Advanced, points: -1}", "points: -1", "level points must be"),
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


# The level for missing work, and criteria a teacher scores by watching --------------
MISSING = (
    '  - {id: missing, name: Missing, points: 0, descriptor: "No work for this criterion yet."}\n'
)
WITH_MISSING = PRODUCT.replace("levels:\n", "levels:\n" + MISSING, 1)
OBSERVED = """\
  - id: pitch
    title: Spoken pitch
    weight: 1
    skills: [nace:communication]
    i_can: I can pitch my choice aloud in one minute.
    observed:
      skill: oral presentation
      when: Period 3, the one-minute pitches.
      look_for:
        - States the choice in the first sentence.
        - Answers a question with a number.
    descriptors: {beginning: b, developing: d, proficient: p, advanced: a}
"""


def test_a_level_descriptor_fills_in_for_every_criterion(tmp_path):
    own = WITH_MISSING.replace(
        "slide: {beginning: b,", "slide: {missing: Blank slide., beginning: b,"
    )
    write(tmp_path, "pitch.yml", own)
    write(tmp_path, "shop.yml", PROJECT + OBSERVED)
    rubric = combined(load_all(tmp_path, strict=True), "shop")
    assert [(lv.id, lv.points) for lv in rubric.levels][0] == ("missing", 0)
    claim = rubric.criterion("claim")
    assert claim.descriptor("missing", "memo") == "No work for this criterion yet."
    assert claim.descriptor("missing", "slide") == "Blank slide."  # its own text wins
    analysis = rubric.criterion("analysis")  # a project criterion takes the product's levels
    assert analysis.descriptor("missing") == "No work for this criterion yet."
    assert rubric.points(analysis, "missing") == 0
    assert rubric.next_level("missing").id == "beginning"
    assert rubric.criterion("pitch").observed.look_for[1] == "Answers a question with a number."


def test_the_course_checks_want_a_level_for_missing_work(tmp_path):
    from careerlab.author import check_rubrics

    (tmp_path / "rubrics").mkdir()
    write(tmp_path / "rubrics", "pitch.yml", PRODUCT)
    write(tmp_path / "rubrics", "shop.yml", PROJECT + OBSERVED)
    load_all(tmp_path / "rubrics")  # grading still reads it
    found = check_rubrics(tmp_path)
    line = next(n for n, text in enumerate(PRODUCT.splitlines(), 1) if "Beginning" in text)
    path = tmp_path / "rubrics" / "pitch.yml"
    assert any(
        p.startswith(f"{path}:{line}:") and "add a level for missing work" in p for p in found
    ), found
    write(tmp_path / "rubrics", "pitch.yml", WITH_MISSING)
    assert check_rubrics(tmp_path) == []


def test_the_course_checks_want_an_observed_criterion_in_a_project_rubric(tmp_path):
    from careerlab.author import check_rubrics

    (tmp_path / "rubrics").mkdir()
    write(tmp_path / "rubrics", "pitch.yml", WITH_MISSING)
    write(tmp_path / "rubrics", "shop.yml", PROJECT)
    found = check_rubrics(tmp_path)
    line = PROJECT.splitlines().index("criteria:") + 2  # the list of criteria starts here
    assert any(
        p.startswith(f"{tmp_path / 'rubrics' / 'shop.yml'}:{line}:")
        and "add a criterion the teacher scores by watching" in p
        for p in found
    ), found


@pytest.mark.parametrize(
    "old, new, at, message",
    [
        ("skill: oral presentation", "skill: charm", "charm", "observed.skill 'charm' must be"),
        ("when: Period 3, the one-minute pitches.", "when: ''", "when:", "observed.when must"),
        (
            "      look_for:\n        - States the choice in the first sentence.\n"
            "        - Answers a question with a number.\n",
            "      look_for: []\n",
            "look_for: []",
            "look_for must be a non-empty list",
        ),
        (
            "        - Answers a question with a number.\n",
            "        - Again.\n" * 8,
            "- States the choice",  # where the list starts
            "look_for has 9 items; give 1 to 8",
        ),
        (
            "- Answers a question with a number.",
            "- " + "x" * 200,
            "x" * 200,
            "a look-for has 200 characters; keep it under 200",
        ),
        (
            "skills: [nace:communication]\n    i_can: I can pitch",
            "skills: [nace:teamwork]\n    i_can: I can pitch",
            "skill: oral",
            "evidences nace:communication; list it in skills",
        ),
        ("    observed:\n", "    observed:\n      colour: red\n", "colour", "unknown key 'colour'"),
    ],
)
def test_a_broken_observed_criterion_names_file_line_and_problem(tmp_path, old, new, at, message):
    project = PROJECT + OBSERVED
    assert old in project
    text = project.replace(old, new)
    line = next(n for n, content in enumerate(text.splitlines(), 1) if at in content)
    write(tmp_path, "pitch.yml", WITH_MISSING)
    (tmp_path / "shop.yml").write_text(text)
    with pytest.raises(RubricError) as failure:
        load_all(tmp_path)
    path = tmp_path / "shop.yml"
    problems = failure.value.problems
    assert any(p.startswith(f"{path}:{line}:") and message in p for p in problems), problems


def test_libyaml_reads_every_rubric_as_pyyamls_own_parser_does(monkeypatch):
    """Rubrics are parsed with libyaml when PyYAML has it (every build and check loads them
    all); what is read, and what an author is told about a broken file, stay the same."""
    import yaml

    from careerlab.rubrics import format as rubric_format

    assert rubric_format.FAST_LOADER is yaml.CSafeLoader  # the venv's PyYAML has libyaml
    broken = "id: pitch\ntitle: [unclosed\nkind: product\n"
    with pytest.raises(RubricError) as fast_error:
        parse_rubric(broken, "x.yml")
    fast = load_all(REPO / "rubrics")
    monkeypatch.setattr(rubric_format, "FAST_LOADER", yaml.SafeLoader)
    with pytest.raises(RubricError) as pure_error:
        parse_rubric(broken, "x.yml")
    assert fast_error.value.problems == pure_error.value.problems
    assert "x.yml:3: not valid YAML" in fast_error.value.problems[0]
    assert load_all(REPO / "rubrics") == fast
    assert len(fast) >= 6
