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


# While writing: each part's words against the file's aim, the parts still to write, and a
# preview of the finished product.
def count_of(task, product: str, part: str) -> str:
    return task.counters[product][part].value


def test_each_part_counts_its_words_against_the_files_aim(workbook):
    task = define(workbook)
    task.build_view()
    task.fill({"product": "memo", "parts": {"recommendation": "Open on Elm Street now."}})
    # products/recommendation.yml: the recommendation aims for 20 to 60 words.
    assert "5 words (aim for 20 to 60)" in count_of(task, "memo", "recommendation")
    assert "0 words (aim for 30 to 90)" in count_of(task, "memo", "evidence")
    task.fill({"product": "memo", "parts": {"recommendation": "word " * 61}})
    assert "61 words (more than 60: shorten it)" in count_of(task, "memo", "recommendation")
    assert "to" not in task.counters["memo"]  # a one-line part has no word count


def test_the_parts_still_to_write_follow_the_boxes(workbook):
    task = define(workbook)
    task.build_view()
    assert task.summary.value == ""  # no product chosen: the form area says what to do
    task.fill({"product": "memo", "parts": {"to": "Ms. Rivera", "subject": "Elm Street"}})
    summary = task.summary.value
    assert "Still to do: write Recommendation, Evidence, Risks, Next steps." in summary
    assert "4 words (aim for about 80)" in summary  # the whole memo against its least
    task.fill({"product": "memo", "parts": MEMO})
    assert "Every part is written." in task.summary.value


def test_the_preview_shows_the_finished_product_as_the_reader_will(workbook):
    task = define(workbook)
    task.build_view()
    task.fill({"product": "memo", "parts": {"to": "Ms. Rivera"}})
    assert task.preview.value == ""  # drawn only when the student opens it
    task.preview_fold.selected_index = 0
    assert task.preview.value.startswith('<div class="careerlab-memo">')
    assert "<strong>To:</strong> Ms. Rivera" in task.preview.value
    task.fill({"product": "memo", "parts": {"recommendation": "Open on Elm Street."}})
    assert "<h4>Recommendation</h4><p>Open on Elm Street.</p>" in task.preview.value
    task.fill({"product": "slide", "parts": {"headline": "Elm Street wins"}})
    assert '<div class="careerlab-slide"><h3>Elm Street wins</h3>' in task.preview.value


def test_the_preview_is_the_view_the_teacher_grades(workbook, table):
    task = define(workbook, table)
    workbook["c"].fill({"measure": "sales", "kind": "bar", "title": "Sales"})
    task.build_view()
    task.fill({"product": "memo", "parts": MEMO})
    task.preview_fold.selected_index = 0
    assert "<figure" in task.preview.value
    assert task.preview.value == task.answer_html()


def test_writing_boxes_use_the_reading_font(workbook):
    from careerlab.workbook.style import css

    task = define(workbook)
    task.build_view()
    for boxes in task.inputs.values():
        assert all("careerlab-product-part" in box._dom_classes for box in boxes.values())
    rule = css().split(".careerlab-task .careerlab-product-part input", 1)[1].split("}", 1)[0]
    assert "font-family: var(--jp-content-font-family" in rule and "monospace" not in rule
