import pytest

from careerlab.workbook.products import write_products_snapshot
from careerlab.workbook.tasks.base import AnswerError

from ..conftest import REPO
from .conftest import HOSTILE, assert_inert, reopen


@pytest.fixture(autouse=True)
def released_products(folder):
    """A student's folder holds the products its workbook offers, as released."""
    write_products_snapshot(folder, ["memo", "slide"], root=REPO)


MEMO = {
    "to": "Ms. Rivera, Director of Operations",
    "subject": "Open the next store on Elm Street",
    "recommendation": "Open on Elm Street.",
    "evidence": "It has the most people walking by.",
    "risks": "Rent is high.",
    "next_steps": "Visit the site.",
}


def define(wb, table=None):
    if table is not None:
        wb.chart("c", "Chart", "Chart it.", data=table, category="city", measures=["sales"])
    wb.product(
        "deliverable",
        "Your recommendation",
        "Make it.",
        products=("memo", "slide"),
        chart="c" if table is not None else None,
    )
    return wb["deliverable"]


def test_a_memo_saves_part_by_part_and_comes_back(workbook, folder):
    task = define(workbook)
    task.fill({"product": "memo", "parts": MEMO})
    again = define(reopen(folder))
    assert again.value["product"] == "memo"
    assert again.value["fields"]["memo"] == MEMO
    assert again.inputs["memo"]["risks"].value == "Rent is high."


def test_switching_product_loses_nothing(workbook, folder):
    task = define(workbook)
    task.fill({"product": "memo", "parts": {"to": "Ms. Rivera"}})
    task.fill({"product": "slide", "parts": {"headline": "Elm Street wins"}})
    again = define(reopen(folder))
    assert again.value["product"] == "slide"
    assert again.value["fields"]["memo"]["to"] == "Ms. Rivera"
    assert again.value["fields"]["slide"]["headline"] == "Elm Street wins"


def test_completeness_check(workbook):
    task = define(workbook)
    assert not task.check(task.Key(min_words=5)).correct
    task.fill({"product": "memo", "parts": {**MEMO, "risks": ""}})
    result = task.check(task.Key(min_words=5))
    assert not result.correct and "Risks" in result.message
    task.fill({"product": "memo", "parts": MEMO})
    assert task.check(task.Key(min_words=5)).correct
    assert not task.check(task.Key(min_words=500)).correct


@pytest.mark.parametrize(
    "stored",
    [
        "memo",
        {"product": "poster", "fields": {}},
        {"product": "memo"},
        {"product": "memo", "fields": {"memo": "text"}},
        {"product": "memo", "fields": {"memo": {"to": 5}}},
        {"product": "memo", "fields": {"memo": {"to": "x" * 5000}}},
    ],
)
def test_bad_stored_products_are_rejected(workbook, stored):
    with pytest.raises(AnswerError):
        define(workbook).parse(stored)


def test_unknown_parts_are_dropped_not_shown(workbook):
    value = define(workbook).parse(
        {"product": "memo", "fields": {"memo": {"to": "A", "evil": HOSTILE}, "poster": {}}}
    )
    assert value == {"product": "memo", "fields": {"memo": {"to": "A"}}}


def test_memo_and_slide_render_inert_with_the_chart(workbook, table):
    task = define(workbook, table)
    workbook["c"].fill({"measure": "sales", "kind": "bar", "title": "Sales"})
    task.fill({"product": "memo", "parts": {**MEMO, "evidence": HOSTILE}})
    html = task.render_html()
    assert_inert(html.split("<figure")[0])
    assert "<figure" in html and "Ms. Rivera" in html
    task.fill({"product": "slide", "parts": {"headline": HOSTILE, "point_1": "A"}})
    html = task.render_html()
    assert "careerlab-slide" in html and "&lt;script&gt;" in html and "<script" not in html
