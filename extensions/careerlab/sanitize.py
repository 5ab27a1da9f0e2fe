"""Sanitizing student work shown as HTML by nbconvert (feedback, formgrader).

Two gaps in the stock tools, closed through their own configuration:
- nbconvert's ``sanitize_html`` cleans outputs with a very short list of tags
  (no paragraphs, headings or images), which turns every answer CareerLab
  shows into visible tag soup. ``clean`` is registered as nbconvert's
  ``clean_html`` filter: the same bleach cleaning, with the tags a document
  needs, images only as embedded PNG/JPEG/GIF data, links only to web and mail
  addresses, and no scripts, styles, frames, forms or event handlers.
- nbgrader's feedback and formgrader templates render markdown cells without
  the sanitizer, so a student's markdown cell could run script in a teacher's
  browser. ``SanitizeMarkdown`` (a preprocessor on every HTMLExporter) renders
  each markdown cell and cleans it before any template sees it.
"""

from __future__ import annotations

import re

import bleach
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.preprocessors import Preprocessor

TAGS = sorted(
    set(bleach.ALLOWED_TAGS)
    | {
        "p", "br", "hr", "div", "span", "pre", "code", "sub", "sup", "small", "mark", "del",
        "s", "u", "h1", "h2", "h3", "h4", "h5", "h6", "table", "caption", "thead", "tbody",
        "tfoot", "tr", "td", "th", "figure", "figcaption", "img", "details", "summary", "dl",
        "dt", "dd", "section", "main", "kbd", "q", "cite",
    }
)  # fmt: skip
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]+$")
WEB_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
COMMON = {"class", "id", "title", "role", "lang", "dir"}


def _allowed(tag: str, name: str, value: str) -> bool:
    if name in COMMON or name.startswith("aria-"):
        return True
    if tag == "img":
        return name in {"alt", "width", "height"} or (
            name == "src" and DATA_IMAGE.match(value) is not None
        )
    if tag == "a":
        return name == "href" and WEB_LINK.match(value.strip()) is not None
    if tag in {"td", "th"}:
        return name in {"colspan", "rowspan", "scope"}
    if tag == "details":
        return name == "open"
    return False


def clean(html: str | bytes) -> str:
    """Clean untrusted HTML for display: disallowed tags are escaped, so what a
    student typed stays visible as text but never runs."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    return bleach.clean(
        text, tags=TAGS, attributes=_allowed, protocols=["http", "https", "mailto", "data"]
    )


class SanitizeMarkdown(Preprocessor):
    """Render and clean every markdown cell before nbgrader's templates see it."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = clean(markdown2html_mistune(cell.source))
            cell.attachments = {}
        return cell, resources
