"""The authoring page's API through a real Jupyter server on a course copy: load, check
(problems keep their field), save (atomic, builds the notebook), a 409 when another
teacher saved first, locks after release, export and import as one file.

One server for the module; each test works on its own project of the course copy."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from careerlab.author import sharing

from .conftest import make_course
from .servers import CHROMIUM, Server, call_api, chromium_page, jupyter_lab

API = "/careerlab/api/author"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = make_course(tmp_path_factory.mktemp("authoring") / "course")
    with jupyter_lab(root, root, tmp_path_factory.mktemp("state")) as running:
        yield running


def copy_project(server: Server, source: str, name: str) -> str:
    """A fresh project ``name`` in the served course, copied from ``source``."""
    root = server.root
    shutil.copytree(root / "workbooks" / source, root / "workbooks" / name)
    for path in (root / "workbooks" / name).iterdir():
        if path.name == f"{source}.ipynb":
            path.unlink()
    for file in ("workbook.md", "workbook.yml", "solutions.yml"):
        path = root / "workbooks" / name / file
        text = path.read_text().replace(f'Workbook("{source}")', f'Workbook("{name}")')
        if file == "workbook.yml":
            text = text.replace(f"id: {source}", f"id: {name}")
        if file == "solutions.yml":
            text = text.replace(f"{source}:", f"{name}:", 1)
        path.write_text(text)
    from careerlab.author.build import build

    build(root / "workbooks" / name)
    return name


def task(parts: list[dict], task_id: str) -> dict:
    return next(p for p in parts if p["type"] == "task" and p["fields"][0][2] == task_id)


def set_field(part: dict, name: str, value: str) -> None:
    for row in part["fields"]:
        if row[0] == name:
            row[2] = value
            return
    raise KeyError(name)


def test_load_check_save_builds_the_notebook(server):
    name = copy_project(server, "first-paycheck", "paycheck-edit")
    status, loaded = call_api(server, "GET", f"{API}/{name}")
    assert status == 200 and not loaded["released"]
    net = task(loaded["parts"], "net-pay")
    assert ["answer", "yaml", "take-home"] in net["fields"]
    assert ["take-home", "The pay you take home after taxes and deductions"] in net["options"]

    set_field(net, "answer", "weekly")  # not an option
    set_field(net, "prompt", "Which one is net pay?")
    status, checked = call_api(server, "POST", f"{API}/{name}/check", {"parts": loaded["parts"]})
    assert status == 200
    assert [p["where"] for p in checked["problems"]] == ["tasks.net-pay.answer"]
    assert "not one of the options" in checked["problems"][0]["message"]
    source = server.root / "workbooks" / name / "workbook.md"
    assert "Which one is net pay?" not in source.read_text()  # a check writes nothing

    set_field(net, "answer", "take-home")
    status, checked = call_api(server, "POST", f"{API}/{name}/check", {"parts": loaded["parts"]})
    assert status == 200 and checked["problems"] == []
    # The copy's datasheet still names the generator of first-paycheck's table: the check
    # ran the whole of `careerlab check` on the edited text, and nothing else is wrong.
    assert [m for m in checked["general"] if "generator 'paystubs'" not in m] == []
    body = {"version": loaded["version"], "base": loaded["text"], "parts": loaded["parts"]}
    status, saved = call_api(server, "PUT", f"{API}/{name}", body)
    assert status == 200 and saved["built"], saved
    assert "prompt: Which one is net pay?" in source.read_text()
    notebook = nbformat.read(source.parent / f"{name}.ipynb", as_version=4)
    assert any("Which one is net pay?" in cell.source for cell in notebook.cells)
    # Unchanged parts come back byte for byte: only the edited line differs.
    assert source.read_text() == loaded["text"].replace(
        "prompt: Pick the best answer.", "prompt: Which one is net pay?"
    )


def test_a_second_teachers_save_is_refused_with_what_changed(server):
    name = copy_project(server, "first-paycheck", "paycheck-two")
    _, first = call_api(server, "GET", f"{API}/{name}")
    _, second = call_api(server, "GET", f"{API}/{name}")
    set_field(task(first["parts"], "net-pay"), "title", "Teacher one's title")
    status, _ = call_api(
        server,
        "PUT",
        f"{API}/{name}",
        {"version": first["version"], "base": first["text"], "parts": first["parts"]},
    )
    assert status == 200
    set_field(task(second["parts"], "net-pay"), "title", "Teacher two's title")
    status, refused = call_api(
        server,
        "PUT",
        f"{API}/{name}",
        {"version": second["version"], "base": second["text"], "parts": second["parts"]},
    )
    assert status == 409
    assert "+title: Teacher one's title" in refused["diff"]
    text = (server.root / "workbooks" / name / "workbook.md").read_text()
    assert "Teacher one's title" in text and "Teacher two's title" not in text


def test_rubric_descriptors_are_edited_in_place(server):
    _, loaded = call_api(server, "GET", f"{API}/coffee-site")
    rubric_file = server.root / "rubrics" / "coffee-site.yml"
    before = rubric_file.read_text()
    body = {
        "version": loaded["version"],
        "base": loaded["text"],
        "parts": loaded["parts"],
        "rubric": {
            "version": loaded["rubric"]["version"],
            "descriptors": {"trade-offs": {"beginning": "Only one number: foot traffic."}},
        },
    }
    status, saved = call_api(server, "PUT", f"{API}/coffee-site", body)
    assert status == 200, saved
    after = rubric_file.read_text()
    assert 'beginning: "Only one number: foot traffic."' in after
    assert after.splitlines()[0] == before.splitlines()[0]  # the comments stay
    assert len(after.splitlines()) == len(before.splitlines())
    status, stale = call_api(server, "PUT", f"{API}/coffee-site", body)
    assert status == 409  # the text's version is old now


def test_after_release_ids_and_option_keys_are_locked(server):
    name = copy_project(server, "first-paycheck", "paycheck-locked")
    (server.root / "release" / name).mkdir(parents=True)
    status, page = server.get(f"/careerlab/author/{name}")
    assert status == 200 and "answers are stored under" in page
    _, loaded = call_api(server, "GET", f"{API}/{name}")
    net = task(loaded["parts"], "net-pay")
    net["options"] = [row for row in net["options"] if row[0] != "yearly"]
    body = {"version": loaded["version"], "base": loaded["text"], "parts": loaded["parts"]}
    status, refused = call_api(server, "PUT", f"{API}/{name}", body)
    assert status == 409 and refused["locked"]
    assert [p["where"] for p in refused["problems"]] == ["tasks.net-pay.options"]
    assert "yearly" in (server.root / "workbooks" / name / "workbook.md").read_text()
    # Text, keys and points may still change.
    _, loaded = call_api(server, "GET", f"{API}/{name}")
    set_field(task(loaded["parts"], "net-pay"), "prompt", "Pick one.")
    body = {"version": loaded["version"], "base": loaded["text"], "parts": loaded["parts"]}
    status, saved = call_api(server, "PUT", f"{API}/{name}", body)
    assert status == 200 and saved["built"]


def test_release_from_the_page(server):
    name = "first-paycheck"  # a copy's datasheet names the original's generator
    status, result = call_api(server, "POST", f"{API}/{name}/release", {})
    assert status == 200 and result["released"], result
    assert (server.root / "release" / name / f"{name}.ipynb").is_file()


def test_export_then_import_under_a_new_id(server):
    status, _ = server.get(f"{API}/coffee-site/export")
    assert status == 200
    data = sharing.export(server.root, "coffee-site")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "workbooks/coffee-site/workbook.md" in names and "rubrics/coffee-site.yml" in names
    assert not any(n.endswith(".ipynb") for n in names)
    status, refused = call_api(server, "POST", "/careerlab/api/author-import", data)
    assert status == 409 and refused["suggestion"] == "coffee-site-2"
    status, imported = call_api(server, "POST", "/careerlab/api/author-import?as=coffee-two", data)
    assert status == 201, imported
    assert imported["project"] == "coffee-two"
    # `careerlab check` ran on it: all it finds is that the seeded generators' datasheets
    # still name coffee-site's folder (a project copied under a new id is told so).
    assert imported["problems"] and all("generator '" in p for p in imported["problems"])
    folder: Path = server.root / "workbooks" / "coffee-two"
    assert 'Workbook("coffee-two")' in (folder / "workbook.md").read_text()
    assert (folder / "coffee-two.ipynb").is_file()


# --- In a real browser -------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)")
def test_a_teacher_edits_checks_fixes_saves_and_releases_in_a_browser(server, tmp_path):
    """Prompt and answer key edited in the form; a bad key is flagged next to its field,
    fixed, saved and released; the student's copy has the new prompt and no key."""
    name = "log-detective"
    prompt = "What does this log row tell you?"
    with chromium_page(tmp_path) as page:
        page.goto(f"{server.url}/careerlab/author/{name}?token={server.token}")
        prompt_box = page.locator("#f-status-401-prompt")
        answer_box = page.locator("#f-status-401-answer")
        prompt_box.fill(prompt)
        answer_box.fill("hacked")  # not one of the options
        preview = page.locator("section[data-where='tasks.status-401'] .al-preview")
        expect(preview).to_contain_text(prompt)  # the live preview follows the form
        page.click("#al-check")
        message = page.locator("[data-where-box='tasks.status-401.answer'] .al-problem")
        expect(message).to_contain_text("hacked is not one of the options")
        described = answer_box.get_attribute("aria-describedby") or ""
        assert message.get_attribute("id") in described.split()
        assert answer_box.get_attribute("aria-invalid") == "true"

        answer_box.fill("failed")
        page.click("#al-check")
        expect(page.locator("#al-status")).to_have_text("No problems found.")
        assert page.locator(".al-problem").count() == 0
        page.click("#al-save")
        expect(page.locator("#al-status")).to_have_text("Saved, and the notebook is built.")
        page.click("#al-release")
        expect(page.locator("#al-status")).to_have_text("Released to the class.", timeout=120_000)
        assert page.locator("#f-status-401-id").evaluate("node => node.readOnly")
        assert page.dialogs == []  # type: ignore[attr-defined]
    source = (server.root / "workbooks" / name / "workbook.md").read_text()
    assert f"prompt: {prompt}" in source and "answer: failed" in source
    released = nbformat.read(server.root / "release" / name / f"{name}.ipynb", as_version=4)
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in released.cells}
    assert prompt in cells["status-task"].source
    text = "\n".join(cell.source for cell in released.cells)
    assert "wb.grade(" not in text and "HIDDEN TESTS" not in text
