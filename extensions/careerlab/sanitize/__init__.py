"""Sanitizing student work shown as HTML by nbconvert (feedback, formgrader).

Everything in a submission is untrusted: markup, outputs, and the metadata around
them. Gaps in the stock tools, closed through their own configuration:
- nbconvert's ``sanitize_html`` cleans outputs with a very short list of tags
  (no paragraphs, headings or images), which turns every answer CareerLab shows
  into visible tag soup. ``clean`` is registered as nbconvert's ``clean_html``
  filter: nh3 (ammonia) cleaning with the tags a document needs, images only as
  embedded PNG/JPEG/GIF data, links only to web and mail addresses, and no
  scripts, styles, frames, forms or event handlers. nh3 replaced bleach, which
  its maintainers deprecated in 2023 (docs/security.md has the comparison).
- nbgrader's feedback and formgrader templates render markdown cells without
  the sanitizer, so a student's markdown cell could run script in a teacher's
  browser. ``SanitizeForHTML`` renders and cleans each markdown cell first.
- nbconvert's templates write an image output's ``width``/``height`` metadata
  into the ``<img>`` tag unquoted, and its ``filenames`` metadata as the image's
  address: markup there runs in the teacher's browser. ``output_metadata`` keeps
  only the keys Jupyter itself writes, well-formed; the autograder applies it to
  every output it records (``SanitizeOutputMetadata`` and careerlab autograde's
  own output check) and every HTML view applies it again (``SanitizeForHTML``),
  for notebooks graded before this existed.

Owns the nbconvert cleaner (here: ``clean``, ``SanitizeForHTML``,
``SanitizeOutputMetadata``) and the sandboxed Formgrader file server
(``submission_files``, a server extension). May import the standard library,
nh3, nbconvert, nbgrader and Jupyter Server only.
"""

from __future__ import annotations

import math
import re
from typing import Any

import nh3
from nbconvert.filters.markdown_mistune import (
    InvalidNotebook,
    IPythonRenderer,
    MarkdownWithMath,
    markdown2html_mistune,
)
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

TAGS = frozenset(
    {
        "a", "abbr", "acronym", "b", "blockquote", "code", "em", "i", "li", "ol", "strong",
        "ul", "p", "br", "hr", "div", "span", "pre", "sub", "sup", "small", "mark", "del",
        "s", "u", "h1", "h2", "h3", "h4", "h5", "h6", "table", "caption", "thead", "tbody",
        "tfoot", "tr", "td", "th", "figure", "figcaption", "img", "details", "summary", "dl",
        "dt", "dd", "section", "main", "kbd", "q", "cite",
    }
)  # fmt: skip
COMMON = {"class", "id", "title", "role", "lang", "dir"}
ATTRIBUTES = {
    "img": {"alt", "width", "height", "src"},
    "a": {"href"},
    "td": {"colspan", "rowspan", "scope"},
    "th": {"colspan", "rowspan", "scope"},
    "details": {"open"},
}
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]+$")
WEB_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)

# Output metadata: the keys Jupyter, IPython and matplotlib write, and their forms.
MAX_IMAGE_SIZE = 10_000  # pixels; a larger width or height is no real figure
_FLAGS = {"unconfined", "isolated", "expanded"}
_BACKGROUNDS = {"light", "dark"}
_MIME = re.compile(r"^[a-z]+/[A-Za-z0-9.+-]+$")
# A cell tag becomes a CSS class ("celltag_<tag>"); a space would add any class.
_TAG = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def _allowed(tag: str, name: str, value: str) -> str | None:
    """nh3's attribute filter: the value to keep, or None to drop the attribute."""
    if tag == "img" and name == "src":
        return value if DATA_IMAGE.match(value) else None
    if tag == "a" and name == "href":
        return value if WEB_LINK.match(value.strip()) else None
    return value


def clean(html: str | bytes) -> str:
    """Clean untrusted HTML for display. Disallowed tags are removed but a script's
    text stays, as text, so the teacher sees what a student tried; styles go whole
    (pandas tables carry one)."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    return nh3.clean(
        text,
        tags=set(TAGS),
        clean_content_tags={"style"},
        attributes={"*": COMMON, **ATTRIBUTES},
        attribute_filter=_allowed,
        generic_attribute_prefixes={"aria-"},
        url_schemes={"http", "https", "mailto", "data"},
        link_rel=None,
    )


def _size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int | float) and math.isfinite(value) and 0 < value <= MAX_IMAGE_SIZE:
        return round(value) or None
    return None


def _fields(meta: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key in ("width", "height"):
        size = _size(meta.get(key))
        if size is not None:
            kept[key] = size
    for key in sorted(_FLAGS & meta.keys()):
        if isinstance(meta[key], bool):
            kept[key] = meta[key]
    if meta.get("needs_background") in _BACKGROUNDS:
        kept["needs_background"] = meta["needs_background"]
    return kept


def output_metadata(meta: Any) -> dict[str, Any]:
    """An output's metadata with only what Jupyter writes, well-formed: sizes as
    positive whole numbers, flags as booleans, per-type entries the same way.
    Anything else (``filenames``, unknown keys, markup) is dropped."""
    if not isinstance(meta, dict):
        return {}
    kept = _fields(meta)
    for key, value in meta.items():
        if isinstance(key, str) and _MIME.match(key) and isinstance(value, dict):
            fields = _fields(value)
            if fields:
                kept[key] = fields
    return kept


def _clean_outputs(cell: Any) -> None:
    for output in cell.get("outputs", []):
        if "metadata" in output:
            output["metadata"] = output_metadata(output["metadata"])


class SanitizeOutputMetadata(Preprocessor):
    """In nbgrader's autograde chain, after execution: the autograded notebook keeps
    no hostile output metadata, whichever grader ran it."""

    enabled = Bool(True, help="On by default, like nbgrader's own steps.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        _clean_outputs(cell)
        return cell, resources


def _markdown_html(cell) -> str:
    """A markdown cell as HTML. A pasted picture (``attachment:`` in the text, the image
    in the cell's ``attachments``) becomes embedded data that ``clean`` keeps if it is
    PNG/JPEG/GIF; a missing or malformed attachment never stops the page (h2-values)."""
    found = cell.get("attachments")
    attachments = {
        name: item
        for name, item in (found.items() if isinstance(found, dict) else ())
        if isinstance(item, dict) and all(isinstance(v, str) for v in item.values())
    }
    renderer = IPythonRenderer(escape=False, attachments=attachments)
    try:
        return MarkdownWithMath(renderer=renderer).render(cell.source)
    except InvalidNotebook:  # "missing attachment": the text, without the picture
        return markdown2html_mistune(cell.source.replace("](attachment:", "](#attachment:"))


class SanitizeForHTML(Preprocessor):
    """Every nbconvert HTML view (feedback, formgrader): render and clean markdown,
    clean output metadata, and drop what the templates would turn into markup or
    use to hide a student's code from the teacher."""

    def preprocess(self, nb, resources):
        # Saved widget state makes the page load a widget renderer from the web and
        # feed it the student's data; the task's HTML copy shows the answer instead.
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = clean(_markdown_html(cell))
        if "attachments" in cell:
            cell.attachments = {}
        # transient.remove_source drops a cell's code from the page.
        for key in ("transient", "jupyter"):
            cell.metadata.pop(key, None)
        tags = cell.metadata.get("tags")
        if tags is not None:
            cell.metadata["tags"] = [
                t for t in tags if isinstance(t, str) and _TAG.match(t)
            ] if isinstance(tags, list) else []  # fmt: skip
        _clean_outputs(cell)
        return cell, resources
