"""Driving a notebook in JupyterLab from a real browser (playwright): shared by the browser
tests and bench/workbook_open.py.

JupyterLab's state is read through window.jupyterapp (--LabApp.expose_app_in_browser) and
the DOM."""

from __future__ import annotations

from .servers import wait_until

KERNEL_STATUS = """(path) => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path) return null;
  const session = panel.sessionContext && panel.sessionContext.session;
  return session && session.kernel ? session.kernel.status : null;
}"""

# A run is over when the kernel is idle, no prompt shows [*], and every task widget (and
# the progress report, when asked) was drawn after the run began: outputs from before it
# were marked data-careerlab-stale by MARK_STALE.
RUN_FINISHED = """({tasks, progress}) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const prompts = [...panel.node.querySelectorAll('.jp-InputArea-prompt')];
  if (prompts.some(p => p.textContent.includes('*'))) return false;
  const fresh = panel.node.querySelectorAll('.careerlab-task:not([data-careerlab-stale])');
  const report = panel.node.querySelector('.careerlab-progress:not([data-careerlab-stale])');
  return fresh.length === tasks && (!progress || report !== null);
}"""

MARK_STALE = """() => {
  for (const node of document.querySelectorAll('.careerlab-task, .careerlab-progress')) {
    node.dataset.careerlabStale = '1';
  }
}"""


def wait_for_idle_kernel(page, path: str, what: str, timeout: float) -> None:
    """Until the notebook at ``path`` is on show with an idle kernel (choosing the kernel if
    JupyterLab asks)."""

    def kernel_idle() -> bool:
        chooser = page.locator(".jp-Dialog", has_text="Select Kernel")
        if chooser.count():
            chooser.locator(".jp-mod-accept").click(timeout=5_000)
        return page.evaluate(KERNEL_STATUS, path) == "idle"

    wait_until(kernel_idle, what, timeout=timeout)


def wait_for_run(page, tasks: int, *, progress: bool = False, timeout: float = 120) -> None:
    """Until a run that began after MARK_STALE has drawn ``tasks`` tasks (and the progress)."""
    page.wait_for_function(
        RUN_FINISHED,
        arg={"tasks": tasks, "progress": progress},
        timeout=timeout * 1000,
        polling=200,
    )
