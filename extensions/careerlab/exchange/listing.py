"""The Assignment List on one machine: nothing released yet is an empty list, not an error.

nbgrader's folder exchange makes its root the first time a teacher releases; until then its
``list`` step fails ("Unwritable directory"), and nbgrader's Assignment List shows a student
a paragraph about setting up the exchange. ``ListBeforeRelease`` is that step
(``c.ExchangeFactory.list`` in jupyter_config.py) with a missing root read as "nothing
released": a root that exists is checked exactly as nbgrader checks it. On JupyterHub,
CareerLab's exchange service lists instead (``careerlab.exchange.hub``).
"""

from __future__ import annotations

import os

from nbgrader.exchange.default.list import ExchangeList


class ListBeforeRelease(ExchangeList):
    def ensure_root(self) -> None:
        if not os.path.exists(self.root):
            return  # nothing was released: every pattern below it matches nothing
        super().ensure_root()
