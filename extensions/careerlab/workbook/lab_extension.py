"""CareerLab's JupyterLab extension: widgets of a kernel that is gone cannot take answers.

After a kernel restart, shutdown or crash JupyterLab keeps drawing the old kernel's widgets
until their cells run again, and they still respond to clicks that nothing saves (the
task's old "Saved" line still on show). The extension (``labextensions/careerlab-workbook``,
plain JavaScript, no build step: read its comment) makes those outputs inert and says what to
do. JupyterLab finds it in this package's folder (``extra_labextensions_path``), so an
editable install, a wheel and the hub's students' servers all serve the same file.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "labextensions"
NAME = "careerlab-workbook"


def configure(c) -> None:
    """Serve the extension from every JupyterLab this Jupyter config ``c`` starts."""
    c.LabServerApp.extra_labextensions_path = [str(FOLDER)]
