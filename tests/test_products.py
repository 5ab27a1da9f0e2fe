"""The course's products: the ten products in five families, as the files in products/ say.

The expected values below were copied from the Python modules the products lived in
before they moved to products/*.yml (issue #14), so this test first proved the move
lost nothing; it now guards the YAML against accidental edits.
"""

from __future__ import annotations

import shutil

from careerlab import course as course_module
from careerlab.author.product_snapshot import check_products_snapshot, write_snapshot
from careerlab.workbook.book import Workbook
from careerlab.workbook.products import (
    PRODUCTS_SNAPSHOT,
    Part,
    Product,
    Words,
    all_products,
    families,
    write_products_snapshot,
)

from .conftest import BIN, REPO, run_app


def test_the_families_and_their_products_in_order():
    assert {family: [p.id for p in products] for family, products in families().items()} == {
        "care": ["care-plan", "sbar"],
        "incident": ["incident-report", "security-alert"],
        "lending": ["credit-memo", "decision-letter"],
        "proposal": ["site-proposal", "poster"],
        "recommendation": ["memo", "slide"],
    }
    assert list(families()) == sorted(families())
    assert len(all_products()) == 10


def _fields(product: Product) -> tuple:
    return product.id, product.name, product.description, product.parts


def test_memo_field_by_field():
    assert _fields(all_products()["memo"]) == (
        "memo",
        "Recommendation memo",
        "A one-page business memo to a decision maker.",
        (
            Part("to", "To", "Who will read it, and their job title", max_chars=120),
            Part("subject", "Subject", "Your recommendation in a few words", max_chars=160),
            Part(
                "recommendation",
                "Recommendation",
                "Say what you recommend and why, in two or three sentences.",
                4,
                words=Words(20, 60),
            ),
            Part(
                "evidence",
                "Evidence",
                "Give the numbers from your analysis that support it. Mention your chart.",
                6,
                words=Words(30, 90),
            ),
            Part(
                "risks",
                "Risks",
                "What could go wrong, and how to reduce the risk.",
                4,
                words=Words(20, 60),
            ),
            Part(
                "next_steps",
                "Next steps",
                "What should happen next, and who does it.",
                3,
                words=Words(15, 45),
            ),
        ),
    )


def test_sbar_field_by_field():
    assert _fields(all_products()["sbar"]) == (
        "sbar",
        "SBAR report",
        "A short report to the surgeon: Situation, Background, Assessment, Recommendation.",
        (
            Part(
                "to", "To and from", "Who you are reporting to, and who is reporting", max_chars=160
            ),
            Part(
                "situation",
                "Situation",
                "Who the patient is and what is wrong right now, in one or two sentences.",
                3,
                words=Words(25, 75),
            ),
            Part(
                "background",
                "Background",
                "The surgery, the post-op day, and the history that matters now.",
                4,
                words=Words(35, 105),
            ),
            Part(
                "assessment",
                "Assessment",
                "The vital signs and how they changed, with numbers. Mention your chart.",
                6,
                words=Words(55, 165),
            ),
            Part(
                "recommendation",
                "Recommendation",
                "What you are asking for, and how soon. Say what you will do meanwhile.",
                4,
                words=Words(35, 105),
            ),
        ),
    )


def test_poster_field_by_field():
    assert _fields(all_products()["poster"]) == (
        "poster",
        "Community poster",
        "A one-page poster for the people the plan affects, with your chart.",
        (
            Part("headline", "Headline", "The big news in one short, catchy line", max_chars=120),
            Part(
                "fact_1",
                "Fact 1",
                "A fact with a number, such as how much the plan makes or saves",
                2,
                max_chars=300,
                words=Words(15, 50),
            ),
            Part(
                "fact_2",
                "Fact 2",
                "A fact that compares, such as a share of the whole or a picture people know",
                2,
                max_chars=300,
                words=Words(15, 50),
            ),
            Part(
                "fact_3",
                "Fact 3",
                "A fact about the science or the choice, such as why this spot",
                2,
                max_chars=300,
                words=Words(15, 50),
            ),
            Part(
                "call_to_action",
                "Call to action",
                "One clear thing you want readers to do, and when or where.",
                3,
                max_chars=500,
                words=Words(20, 80),
            ),
        ),
    )


def test_a_hint_with_a_colon_survives_the_yaml():
    timeline = all_products()["incident-report"].parts[3]
    assert timeline == Part(
        "timeline",
        "Timeline",
        "The key events in time order, one per line, like: 2:14 a.m. - ...",
        7,
        words=Words(25, 75),
    )


# A new family is a YAML file: no Python ---------------------------------------------
ESTIMATE = """\
family: estimate
title: Estimating products
products:
  - id: bid-sheet
    name: Bid sheet
    description: A priced bid for the client.
    showcase: memo
    words: {least: 30, most: 300}
    parts:
      - {id: client, label: Client, hint: Who asked for the bid, max_chars: 120}
      - {id: scope, label: Scope of work, hint: What the crew will build, lines: 4}
      - id: total
        label: Total price
        hint: "The price, with tax: show the sum"
        max_chars: 80
"""


def test_a_new_family_needs_no_python(course, tmp_path):
    (course / "products" / "estimate.yml").write_text(ESTIMATE)
    assert list(families(course))[1] == "estimate"
    bid = all_products(course)["bid-sheet"]
    assert bid.family == "estimate" and bid.words == Words(30, 300)
    assert bid.parts[2] == Part("total", "Total price", "The price, with tax: show the sum", 1, 80)
    # A product task in a workbook of that course offers it, as a student sees it.
    folder = course / "tryout" / "estimating"
    folder.mkdir(parents=True)
    wb = Workbook("estimating", folder=folder)
    wb.product("bid", "Your bid", "Price the job.", products=("bid-sheet", "memo"))
    task = wb["bid"]
    task.build_view()
    assert [label for label, _ in task.choose.options][0] == (
        "Bid sheet: A priced bid for the client."
    )
    task.fill({"product": "bid-sheet", "parts": {"client": "Ms. Ortiz", "total": "$12,400"}})
    assert not task.check(task.Key()).correct  # the scope is still to write
    task.fill({"product": "bid-sheet", "parts": {"scope": "A deck, 12 by 16 feet."}})
    assert task.check(task.Key()).correct
    html = task.render_html()
    assert "<strong>Client:</strong> Ms. Ortiz" in html and "<h4>Scope of work</h4>" in html
    # Released: the snapshot carries it to a student's home, where no course is.
    home = tmp_path / "home" / "estimating"
    home.mkdir(parents=True)
    write_products_snapshot(home, ["bid-sheet"], root=course)
    away = Workbook("estimating", folder=home)
    away.product("bid", "Your bid", "Price the job.", products=("bid-sheet",))
    assert away["bid"].products["bid-sheet"] == bid


def test_the_committed_snapshots_are_current():
    for folder in course_module.assignments(REPO):
        assert check_products_snapshot(folder) == []
    assert not (REPO / "workbooks" / "first-paycheck" / PRODUCTS_SNAPSHOT).exists()


def test_check_flags_a_missing_or_stale_snapshot(course):
    folder = course / "workbooks" / "coffee-site"
    assert check_products_snapshot(folder) == []
    path = course / "products" / "recommendation.yml"
    path.write_text(path.read_text().replace("label: Risks", "label: Risks and limits"))
    assert check_products_snapshot(folder) == [
        f"{folder / PRODUCTS_SNAPSHOT}: out of date with products/ and the notebook's product "
        "task; run `careerlab build coffee-site`."
    ]
    (folder / PRODUCTS_SNAPSHOT).unlink()
    assert "missing" in check_products_snapshot(folder)[0]
    write_snapshot(folder)
    assert check_products_snapshot(folder) == []
    assert all_products(course)["memo"].parts[4].label == "Risks and limits"


def test_the_build_writes_the_snapshot_and_nbgrader_releases_it(course, tmp_path):
    snapshot = course / "workbooks" / "coffee-site" / PRODUCTS_SNAPSHOT
    committed = snapshot.read_text()
    snapshot.unlink()
    run_app(course, str(BIN / "careerlab"), "build", "coffee-site")
    assert snapshot.read_text() == committed
    run_app(course, "nbgrader", "generate_assignment", "coffee-site", "--log-level=ERROR")
    released = course / "release" / "coffee-site"
    assert (released / PRODUCTS_SNAPSHOT).read_text() == committed
    # A student's copy, away from the course, shows the product forms from it.
    home = tmp_path / "home" / "coffee-site"
    shutil.copytree(released, home)
    wb = Workbook("coffee-site", folder=home)
    wb.product("recommendation", "Yours", "Make it.", products=("memo", "slide"))
    assert wb["recommendation"].unavailable is None
    assert wb["recommendation"].products == {p: all_products()[p] for p in ("memo", "slide")}
