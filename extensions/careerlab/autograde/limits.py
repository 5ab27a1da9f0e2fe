"""The limits every submission runs under, set in ``jupyter_config.py``.

``c.GradingLimits.cell_timeout = 30`` and so on. The values travel to each
submission's process as plain data (``Limits``), so the unit of work needs no
configuration system of its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from traitlets import Dict, Float, Int
from traitlets.config import Configurable

# What nbgrader's Execute preprocessor records for a cell that ran out of time
# (its ``error_on_timeout`` default); the fast grader records the same.
NBGRADER_TIMEOUT_ERROR: dict[str, Any] = {
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"],
}


# IPython's traceback modes. A kernel uses "Context" (a few lines of code around
# each frame, highlighted), which costs tens of milliseconds per error: more than
# running most cells, and failed tests are many. "Plain" shows each frame's file,
# line and code line.
TRACEBACK_MODES = ("Plain", "Context", "Verbose", "Minimal")


@dataclass(frozen=True)
class Limits:
    """The limits as plain data, part of every job."""

    cell_timeout: float = 30.0
    notebook_timeout: float = 600.0
    memory_mb: int = 2048
    output_mb: float = 20.0
    file_mb: int = 200
    # How long a cell that ignores its interruption may keep running before its
    # process is killed.
    kill_grace: float = 5.0
    timeout_error: dict[str, Any] = field(default_factory=lambda: dict(NBGRADER_TIMEOUT_ERROR))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class GradingLimits(Configurable):
    """Limits for ``careerlab autograde``, one submission at a time."""

    cell_timeout = Float(
        0,
        help="Seconds one cell may run before it is interrupted, as nbgrader does (the cell "
        "shows a CellTimeoutError and the notebook goes on). 0 means nbgrader's own "
        "Execute.timeout (30 s unless configured).",
    ).tag(config=True)
    notebook_timeout = Float(
        600, help="Seconds a whole notebook may run; past it the submission fails."
    ).tag(config=True)
    memory_mb = Int(
        2048,
        help="Memory (MB) a notebook may allocate on top of the libraries the grader "
        "preloads; past it the submission fails.",
    ).tag(config=True)
    output_mb = Float(
        20,
        help="Output (MB of text and images) one notebook may produce; past it the "
        "submission fails.",
    ).tag(config=True)
    file_mb = Int(200, help="The largest file (MB) a notebook may write.").tag(config=True)
    timeout_error = Dict(
        NBGRADER_TIMEOUT_ERROR,
        help="The error output a timed-out cell gets (nbgrader's Execute.error_on_timeout).",
    ).tag(config=True)

    def limits(self, nbgrader_timeout: float | None = None) -> Limits:
        cell = self.cell_timeout or nbgrader_timeout or Limits.cell_timeout
        return Limits(
            cell_timeout=float(cell),
            notebook_timeout=float(self.notebook_timeout),
            memory_mb=int(self.memory_mb),
            output_mb=float(self.output_mb),
            file_mb=int(self.file_mb),
            timeout_error=dict(self.timeout_error),
        )
