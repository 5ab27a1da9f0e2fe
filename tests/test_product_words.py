"""The length a student aims for in each part of a product: given in products/*.yml (or
implied from the product's least words), checked like every other field, and carried in a
released workbook's products.json."""

from __future__ import annotations

import pytest

from careerlab.workbook.products import (
    ProductsError,
    Words,
    all_products,
    parse_family,
    read_snapshot,
    write_products_snapshot,
)

from .conftest import REPO
from .product_family import ESTIMATE

# The bid in at least 60 words, with two paragraph parts after its one-line "To".
AT_LEAST_60 = "    showcase: memo\n    words: {least: 60}\n"
PARAGRAPHS = (
    "      - {id: scope, label: Scope, hint: What we build, lines: 2}\n"
    "      - {id: price, label: Price, hint: What it costs and why, lines: 4}\n"
)
FAMILY = ESTIMATE.replace("    showcase: memo\n", AT_LEAST_60) + PARAGRAPHS


def test_every_paragraph_part_of_the_course_says_how_long_it_should_be():
    for product in all_products(REPO).values():
        for part in product.parts:
            if part.lines > 1:
                assert part.words is not None and part.words.least > 0, (product.id, part.id)
                assert part.words.most is not None and part.words.most > part.words.least
            else:
                assert product.part_words(part) is None  # To, Subject: no count
        # A student who reaches every part's aim has written what the product asks.
        aims = sum(w.least for p in product.parts if (w := product.part_words(p)) is not None)
        assert aims >= product.words.least, product.id


def test_a_part_without_words_gets_its_share_of_the_product():
    bid = parse_family(FAMILY).products[0]
    to, scope, price = bid.parts
    assert [bid.part_words(p) for p in (to, scope, price)] == [None, Words(20), Words(40)]
    given = FAMILY.replace("lines: 2}", "lines: 2, words: {least: 50, most: 90}}")
    bid = parse_family(given).products[0]
    assert bid.part_words(bid.parts[1]) == Words(50, 90)
    assert bid.part_words(bid.parts[2]) == Words(10)  # what is left of the least 60


@pytest.mark.parametrize(
    "words, message",
    [
        ("{least: 50, most: 9}", "words most (9) is less than least (50)"),
        ("12", "must be a mapping"),
        ("{least: many}", "words least"),
        ("{about: 5}", "about"),
    ],
)
def test_bad_part_words_name_the_file_line_and_part(words, message):
    text = FAMILY.replace("lines: 2}", f"lines: 2, words: {words}}}")
    with pytest.raises(ProductsError) as raised:
        parse_family(text, "estimate.yml", "estimate")
    problem = raised.value.problems[0]
    assert problem.startswith("estimate.yml:13:") and "part 'scope'" in problem
    assert message in problem


def test_a_released_copy_carries_each_parts_aim(tmp_path):
    write_products_snapshot(tmp_path, ["memo"], root=REPO)
    assert read_snapshot(tmp_path)["memo"] == all_products(REPO)["memo"]
