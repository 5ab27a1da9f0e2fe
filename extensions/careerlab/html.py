"""``escape``: the one HTML escaping helper. Every student string shown as HTML passes here.

A leaf (standard library only) that the student's kernel and the teacher's
server both import: task views, the Workbook's notices, the catalog, showcase,
feedback, the grading page and the career profiles.
"""

from __future__ import annotations

import html
from typing import Any


def escape(text: Any) -> str:
    """Any value as text, with & < > " and ' escaped (for element text and quoted attributes)."""
    return html.escape(str(text), quote=True)
