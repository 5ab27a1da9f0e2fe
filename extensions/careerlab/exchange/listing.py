"""The Assignment List on one machine: nothing released yet is an empty list, not an error.

nbgrader's folder exchange makes its root the first time a teacher releases; until then its
``list`` step fails ("Unwritable directory"), and nbgrader's Assignment List shows a student
a paragraph about setting up the exchange. ``ListBeforeRelease`` is that step
(``c.ExchangeFactory.list`` in jupyter_config.py) with a missing root read as "nothing
released": a root that exists is checked exactly as nbgrader checks it. On JupyterHub,
CareerLab's exchange service lists instead (``careerlab.exchange.hub``).

After Submit the student's list shows what was submitted and when
(``careerlab.exchange.receipt``): ``SubmitWithReceipt`` (``c.ExchangeFactory.submit``) keeps
the receipt in nbgrader's cached copy of the submission and logs it; the list shows it, and
makes it there for a cached copy that has none (submitted before, or its receipt damaged).
"""

from __future__ import annotations

import os
from typing import Any

from nbgrader.exchange.default.list import ExchangeList
from nbgrader.exchange.default.submit import ExchangeSubmit

from careerlab.exchange.receipt import (
    RECEIPT_FILE,
    make_receipt,
    read_receipt,
    save_receipt,
    show_receipts,
    shown,
)


def cached_receipt(folder: str) -> dict[str, Any]:
    """The receipt kept in a cached copy of a submission, made and kept if it has none."""
    path = os.path.join(folder, RECEIPT_FILE)
    receipt = read_receipt(path)
    if receipt is None:
        receipt = make_receipt(folder)
        try:
            save_receipt(path, receipt)
        except OSError:
            pass  # shown this time, made again next time
    return receipt


class ListBeforeRelease(ExchangeList):
    def ensure_root(self) -> None:
        if not os.path.exists(self.root):
            return  # nothing was released: every pattern below it matches nothing
        super().ensure_root()

    def list_files(self) -> list[dict[str, Any]]:
        assignments = super().list_files()
        if self.cached:  # the student's own list (the Assignment List asks this one)
            show_receipts(assignments, lambda info: cached_receipt(info["path"]))
        return assignments


class SubmitWithReceipt(ExchangeSubmit):
    def copy_files(self) -> None:
        super().copy_files()
        # nbgrader's cached copy of what it just submitted (named as in its copy_files).
        name = self.assignment_filename
        if self.add_random_string:
            name = name.rsplit("+", 1)[0]
        receipt = cached_receipt(os.path.join(self.cache_path, name))
        self.log.info("%s", shown(self.timestamp, receipt))
