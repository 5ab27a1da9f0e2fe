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
from careerlab.workbook.tasks.long_text import count_html, count_words

PREVIEW_TITLE = "Preview: your work as the reader will see it"


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
        self.counters: dict[str, dict[str, widgets.HTML]] = {}
        self.forms: dict[str, widgets.VBox] = {}
        for product in self.products.values():
            saved = self.parts_text(product.id)
            boxes, counters, rows = {}, {}, []
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
                box.add_class("careerlab-product-part")  # workbook.css: a writing font
                box.observe(self._part_changed, names="value")
                boxes[part.id] = box
                rows.append(box)
                if product.part_words(part) is not None:
                    counters[part.id] = widgets.HTML()
                    counters[part.id].add_class("careerlab-part-count")
                    rows.append(counters[part.id])
            self.inputs[product.id] = boxes
            self.counters[product.id] = counters
            self.forms[product.id] = widgets.VBox(rows)
        self.form_area = widgets.VBox(
            [self.forms[current]]
            if current
            else [widgets.HTML("<p>Choose a product to start.</p>")]
        )
        self.summary = widgets.HTML()
        self.summary.add_class("careerlab-product-summary")
        self.preview = widgets.HTML()
        self.preview_fold = widgets.Accordion(children=[self.preview], titles=(PREVIEW_TITLE,))
        self.preview_fold.add_class("careerlab-product-preview")
        self._chart_cache: tuple[str, str] = ("", "")
        for product in self.products.values():
            self._count(product)
        self._show_progress()
        self.choose.observe(self._product_changed, names="value")
        self.preview_fold.observe(lambda _: self._show_preview(), names="selected_index")
        return [self.choose, self.form_area, self.summary, self.preview_fold]

    def _count(self, product: Product, part_id: str | None = None) -> None:
        """Each part's live word count against the length the product file expects."""
        for part in product.parts:
            counter = self.counters[product.id].get(part.id)
            if counter is not None and part_id in (None, part.id):
                goal = product.part_words(part)
                words = count_words(self.inputs[product.id][part.id].value)
                counter.value = count_html(words, goal.least, goal.most)

    def _show_progress(self) -> None:
        """The whole product's words and the parts still to write (the one rule of
        "answered", ``to_do``), then the preview."""
        product = self.products.get(self.choose.value)
        if product is None:
            self.summary.value = ""
        else:
            words = sum(count_words(box.value) for box in self.inputs[product.id].values())
            left = self.to_do()
            todo = f" Still to do: {left}." if left else " Every part is written."
            self.summary.value = (
                f"<p>In all: {count_html(words, product.words.least, product.words.most)}."
                f"{escape(todo)}</p>"
            )
        self._show_preview()

    def _show_preview(self) -> None:
        """The finished product laid out as the showcase, feedback and grading page show it,
        from the boxes as they are now; drawn only while the fold is open (it holds the
        chart's picture)."""
        product = self.products.get(self.choose.value)
        if self.preview_fold.selected_index is None:
            return
        if product is None:
            self.preview.value = "<p>Choose a product to see it here.</p>"
            return
        texts = {part: box.value for part, box in self.inputs[product.id].items()}
        self.preview.value = LAYOUTS[product.showcase](product, texts, self._chart_picture())

    def _chart_picture(self) -> str:
        """``chart_html``, drawn again only when the chart's answer changed."""
        task = self.context.task(self.chart) if self.chart else None
        key = repr(task.value) if task is not None else ""
        if key != self._chart_cache[0]:
            self._chart_cache = (key, self.chart_html())
        return self._chart_cache[1]

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
        self._show_progress()

    def _part_changed(self, change: dict[str, Any]) -> None:
        for product_id, boxes in self.inputs.items():
            for part_id, box in boxes.items():
                if box is change["owner"]:
                    self._count(self.products[product_id], part_id)
        if self.choose.value:
            self._save_form()
        self._show_progress()

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
    def still_to_do(cls, state: dict[str, Any]) -> str | None:
        """Answered: a product type is chosen and every one of its parts has text."""
        parts = state.get("parts")
        if not isinstance(parts, list):
            return "choose a product type"
        empty = [
            str(part[0])[:200]
            for part in parts
            if not (
                isinstance(part, list)
                and len(part) == 2
                and isinstance(part[1], str)
                and part[1].strip()
            )
        ]
        return f"write {', '.join(empty)}" if empty else None

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
