"""The project's deliverable: the student picks a product type (for example a
memo or a slide) and fills in its parts. Parts of both types are kept, so
switching type loses nothing. The quality is scored with the product rubric by
a person; the auto-check is only for completeness."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from careerlab.html import escape
from careerlab.workbook.products import (
    PRODUCTS_SNAPSHOT,
    Product,
    ProductsError,
    find_products,
    uses_snapshot,
)
from careerlab.workbook.tasks.base import AnswerError, Check, Task, state_title
from careerlab.workbook.tasks.long_text import count_words


@dataclass(frozen=True)
class ProductKey:
    """Complete when every part of the chosen product is filled and the whole
    has at least ``min_words`` words."""

    min_words: int = 1


class ProductTask(Task):
    kind = "product"
    Key = ProductKey

    def __init__(
        self, context, task_id, title, prompt, products: tuple[str, ...], chart: str | None = None
    ) -> None:
        super().__init__(context, task_id, title, prompt)
        self.chart = chart
        # Why the product forms cannot be shown (a released copy's products.json is
        # missing or damaged), or None. The stored answer is then left untouched.
        self.unavailable: str | None = None
        self.products: dict[str, Product] = {}
        if not products:
            raise ValueError(f"Task '{task_id}': name the products it offers.")
        try:
            known = find_products(context.folder)
            unknown = [p for p in products if p not in known]
            if unknown:
                raise ProductsError([f"no product {', '.join(map(repr, unknown))} here"])
        except ProductsError as error:
            if not uses_snapshot(context.folder):
                # The author's own course: fail at once, naming the task and the problem.
                raise ValueError(f"Task '{task_id}': {error}") from None
            first = str(error).splitlines()[0][:300].rstrip(".")
            self.unavailable = (
                f"The forms for this product cannot be shown: {PRODUCTS_SNAPSHOT} is not "
                f"usable ({first}). Your saved work is kept. Ask your teacher for a fresh "
                "copy of this workbook."
            )
            return
        self.products = {p: known[p] for p in products}

    # Stored answers ------------------------------------------------------------
    def restore(self, entry: dict[str, Any] | None) -> None:
        # Without the forms there is nothing to check a stored answer against: it stays
        # in the answers file as it is, and the widget says why it is not shown.
        if self.unavailable is None:
            super().restore(entry)

    def parse(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not isinstance(value.get("fields"), dict):
            raise AnswerError("it is not a product")
        product = value.get("product")
        if product not in self.products:
            raise AnswerError("its product type is not offered")
        fields: dict[str, dict[str, str]] = {}
        for product_id, parts in value["fields"].items():
            if product_id not in self.products:
                continue  # a type no longer offered: nothing to show
            if not isinstance(parts, dict):
                raise AnswerError(f"the parts of the {product_id} are not in the expected form")
            known = {part.id: part for part in self.products[product_id].parts}
            fields[product_id] = {}
            for part_id, text in parts.items():
                if part_id not in known:
                    continue
                if not isinstance(text, str):
                    raise AnswerError(f"'{known[part_id].label}' is not text")
                if len(text) > known[part_id].max_chars:
                    raise AnswerError(f"'{known[part_id].label}' is too long")
                fields[product_id][part_id] = text
        return {"product": product, "fields": fields}

    def chosen(self) -> Product | None:
        return self.products[self.value["product"]] if self.value else None

    def parts_text(self, product_id: str) -> dict[str, str]:
        return ((self.value or {}).get("fields") or {}).get(product_id, {})

    # Widget --------------------------------------------------------------------
    def build_controls(self) -> list[widgets.Widget]:
        if self.unavailable is not None:
            return [widgets.HTML(f'<p class="careerlab-problem">{escape(self.unavailable)}</p>')]
        current = self.value["product"] if self.value else None
        self.choose = widgets.RadioButtons(
            options=[(f"{p.name}: {p.description}", p.id) for p in self.products.values()],
            value=current,
            description="Product",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.inputs: dict[str, dict[str, widgets.Widget]] = {}
        self.forms: dict[str, widgets.VBox] = {}
        for product in self.products.values():
            saved = self.parts_text(product.id)
            boxes = {}
            for part in product.parts:
                common = dict(
                    value=saved.get(part.id, ""),
                    description=part.label,
                    placeholder=part.hint,
                    continuous_update=True,
                    style={"description_width": "9em"},
                    layout=widgets.Layout(width="min(48em, 100%)"),
                )
                box = (
                    widgets.Textarea(rows=part.lines, **common)
                    if part.lines > 1
                    else widgets.Text(**common)
                )
                box.observe(self._part_changed, names="value")
                boxes[part.id] = box
            self.inputs[product.id] = boxes
            self.forms[product.id] = widgets.VBox(list(boxes.values()))
        self.form_area = widgets.VBox(
            [self.forms[current]]
            if current
            else [widgets.HTML("<p>Choose a product to start.</p>")]
        )
        self.choose.observe(self._product_changed, names="value")
        return [self.choose, self.form_area]

    def _collect(self) -> dict[str, Any]:
        return {
            "product": self.choose.value,
            "fields": {
                pid: {part: box.value for part, box in boxes.items()}
                for pid, boxes in self.inputs.items()
            },
        }

    def _save_form(self) -> None:
        try:
            value = self.parse(self._collect())
        except AnswerError as error:
            self.show_status(f"Not saved: {error}.", problem=True)
            return
        self.save(value)

    def _product_changed(self, change: dict[str, Any]) -> None:
        if change["new"] in self.forms:
            self.form_area.children = [self.forms[change["new"]]]
            self._save_form()

    def _part_changed(self, change: dict[str, Any]) -> None:
        if self.choose.value:
            self._save_form()

    def fill(self, response: dict[str, Any]) -> None:
        """``{"product": "memo", "parts": {"to": "...", ...}}``"""
        self.choose.value = response["product"]
        for part_id, text in response.get("parts", {}).items():
            self.inputs[response["product"]][part_id].value = text

    # Grading -------------------------------------------------------------------
    def check_state(self) -> dict[str, Any]:
        """The chosen product's parts (label and text), or None when none was chosen."""
        product = self.chosen()
        if product is None:
            return {"title": self.title, "parts": None}
        texts = self.parts_text(product.id)
        return {
            "title": self.title,
            "parts": [[part.label, texts.get(part.id, "")] for part in product.parts],
        }

    @classmethod
    def judge(cls, state: dict[str, Any], key: ProductKey) -> Check:
        title, parts = state_title(state), state.get("parts")
        if not isinstance(parts, list):
            return Check(False, f"{title}: no product was chosen.")
        texts = [
            (str(part[0])[:200], part[1] if isinstance(part[1], str) else "")
            for part in parts
            if isinstance(part, list) and len(part) == 2
        ]
        empty = [label for label, text in texts if not text.strip()]
        if empty:
            return Check(False, f"{title}: still to write: {', '.join(empty)}.")
        words = sum(count_words(text) for _, text in texts)
        if words < key.min_words:
            return Check(False, f"{title}: {words} words; at least {key.min_words} needed.")
        return Check(True, f"{title}: complete ({words} words).")

    # Other views -------------------------------------------------------------------
    def chart_html(self) -> str:
        task = self.context.task(self.chart) if self.chart else None
        return task.safe_answer_html() if task is not None and task.value is not None else ""

    def answer_html(self) -> str:
        product = self.chosen()
        texts = self.parts_text(product.id)
        return LAYOUTS[product.showcase](product, texts, self.chart_html())

    def plain_answer(self) -> str:
        product = self.chosen()
        return "no answer" if product is None else product.name


def _paragraphs(text: str) -> str:
    chunks = [c for c in re.split(r"\n\s*\n", text) if c.strip()] or [""]
    return "".join(f"<p>{escape(c).replace(chr(10), '<br>')}</p>" for c in chunks)


def memo_html(product: Product, texts: dict[str, str], chart: str) -> str:
    """One-line parts as a header (To: ..., Subject: ...), then each paragraph part under
    its label, then the chart."""
    header = "".join(
        f"<p><strong>{escape(part.label)}:</strong> {escape(texts.get(part.id, ''))}</p>"
        for part in product.parts
        if part.lines == 1
    )
    body = "".join(
        f"<h4>{escape(part.label)}</h4>{_paragraphs(texts.get(part.id, ''))}"
        for part in product.parts
        if part.lines > 1
    )
    return f'<div class="careerlab-memo">{header}{body}{chart}</div>'


def slide_html(product: Product, texts: dict[str, str], chart: str) -> str:
    """The first part as the headline, the parts between as bullet points, the chart, and
    the last part as speaker notes in a fold (the loader makes sure there are three)."""
    headline, *points, notes = product.parts
    bullets = "".join(f"<li>{escape(texts.get(p.id, ''))}</li>" for p in points)
    return (
        f'<div class="careerlab-slide"><h3>{escape(texts.get(headline.id, ""))}</h3>'
        f"<ul>{bullets}</ul>{chart}"
        f"<details><summary>{escape(notes.label)}</summary>{_paragraphs(texts.get(notes.id, ''))}"
        "</details></div>"
    )


# What a product file's ``showcase:`` names (careerlab.workbook.products.SHOWCASE_LAYOUTS).
LAYOUTS = {"memo": memo_html, "slide": slide_html}

TASK = ProductTask  # found by the registry (careerlab.workbook.tasks)
