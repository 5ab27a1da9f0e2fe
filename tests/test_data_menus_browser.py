"""A data question and a chart in a real JupyterLab: the menus show the datasheet's labels
whole (no label cut short, no ``weekday_foot_traffic``), and "Use this as my answer"
refuses a number for "which neighborhood?", saying so, and saves the neighborhood.

One JupyterLab and one browser for the module; coffee-site is opened and run once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from careerlab.author.workbook_text import parse
from careerlab.workbook.answers import answers_filename

from .conftest import REPO
from .lab_page import MARK_STALE, wait_for_idle_kernel, wait_for_run
from .servers import CHROMIUM, Server, chromium_page, jupyter_lab, wait_until
from .test_browser import menu

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test-deps)"),
]

WORKBOOK = "coffee-site"
BUSIEST = "The busiest sidewalk"  # which neighborhood? (a name)
CHART = "A chart for your recommendation"
SPEND = "Average spend per visit"  # how much? (a number)

# Each <select> and button of a task: the widest text it must show and the room it has.
MEASURE = """(title) => {
  const box = [...document.querySelectorAll('.careerlab-task')].find(
    b => b.querySelector('.careerlab-prompt strong')?.textContent === title);
  if (!box) return null;
  const context = document.createElement('canvas').getContext('2d');
  const found = [];
  for (const select of box.querySelectorAll('select')) {
    const style = getComputedStyle(select);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    // ipywidgets writes an option's spaces as no-break spaces.
    const texts = [...select.options].map(o => o.text.replace(/\u00a0/g, ' '));
    const widest = Math.max(...texts.map(t => context.measureText(t).width));
    const room = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    found.push({what: 'select', texts, widest, room});
  }
  for (const button of box.querySelectorAll('button')) {
    found.push({what: 'button', texts: [button.textContent.trim()],
                widest: button.scrollWidth, room: button.clientWidth});
  }
  return found;
}"""


def box(page, title: str):
    return page.locator(
        ".careerlab-task", has=page.locator(".careerlab-prompt strong", has_text=title)
    )


@pytest.fixture(scope="module")
def lab(
    released_course: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Path]]:
    """JupyterLab serving a student's copy of coffee-site."""
    root = tmp_path_factory.mktemp("data-menus")
    folder = root / "student" / WORKBOOK
    shutil.copytree(released_course / "release" / WORKBOOK, folder)
    with jupyter_lab(released_course, root, root / "state") as server:
        yield server, folder


def test_labels_fit_and_a_wrong_kind_of_answer_is_refused(lab, tmp_path):
    server, folder = lab
    path = f"student/{WORKBOOK}/{WORKBOOK}.ipynb"
    tasks = len(parse((REPO / "workbooks" / WORKBOOK / "workbook.md").read_text()).tasks)
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a busy machine
    with chromium_page(tmp_path) as page:
        page.set_viewport_size({"width": 1000, "height": 1000})
        page.goto(f"{server.url}/lab/workspaces/menus/tree/{path}?token={server.token}")

        wait_for_idle_kernel(page, path, "the workbook to open with an idle kernel", timeout=90)
        page.evaluate(MARK_STALE)
        menu(page, "Run", "Run All Cells")
        wait_for_run(page, tasks, timeout=120)

        for title in (BUSIEST, CHART, SPEND):
            found = page.evaluate(MEASURE, title)
            assert found, title
            for item in found:
                assert item["widest"] <= item["room"] + 1, (title, item)  # shown whole
                assert not any("_" in text for text in item["texts"]), (title, item)
        column_texts = page.evaluate(MEASURE, BUSIEST)[0]["texts"]
        assert "Weekday foot traffic (people a day)" in column_texts

        busiest = box(page, BUSIEST)
        selects = busiest.locator("select")
        # ipywidgets gives each <option> its label as its value.
        selects.nth(0).select_option("Weekday foot traffic (people a day)")
        selects.nth(1).select_option("Largest value")
        busiest.get_by_text("Not an answer: this question asks which row").wait_for()
        expect(busiest).to_contain_text("Result: 9,100 people a day")  # written for people
        busiest.get_by_role("button", name="Use this as my answer").click()
        busiest.get_by_text("Not saved: this question asks which row").wait_for()
        answers = folder / answers_filename(WORKBOOK)

        def saved() -> dict:
            if not answers.exists():
                return {}
            return json.loads(answers.read_text(encoding="utf-8"))["answers"]

        assert "busiest-site" not in saved()
        selects.nth(1).select_option("Which row has the highest value")
        busiest.get_by_role("button", name="Use this as my answer").click()
        wait_until(lambda: "busiest-site" in saved(), "the neighborhood to be saved")
        assert saved()["busiest-site"]["value"] == "Downtown"
