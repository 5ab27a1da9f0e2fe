/*
 * CareerLab's JupyterLab extension, written by hand: no build step, no shared modules.
 *
 * Why: when a notebook's kernel restarts, shuts down or dies, JupyterLab keeps drawing the
 * old kernel's widgets until their cells run again, and they still respond: a student can
 * click an option and see it chosen, but nothing reaches a kernel, so nothing is saved, and
 * the task's old "Saved" line stays on show. Here every widget output on show at that moment
 * is made inert (no clicks, no typing, no focus), greyed, and given a note saying what to do.
 * Running the cell again replaces the output with a live one (JupyterLab removes the old
 * output and the note with it). A page reload keeps the kernel and its widgets: the first
 * connection to a kernel marks nothing.
 *
 * JupyterLab loads a federated extension as a webpack container: this file sets
 * window._JUPYTERLAB[<package name>] = {init, get}, and get("./extension") gives a module
 * whose default export is the list of plugins (jupyterlab/staging/bootstrap.js, index.js).
 */
(function () {
  "use strict";

  const NAME = "careerlab-workbook";
  // An output that shows a widget: ipywidgets puts its view, class jupyter-widgets, in it.
  const WIDGET_OUTPUT = ".jp-OutputArea-output:has(> .jupyter-widgets)";
  const STALE = "careerlab-stale-output";
  const NOTE = "careerlab-stale-note";
  // Kernel states after which the widgets on show belong to a kernel that is gone.
  const GONE = new Set(["restarting", "autorestarting", "terminating", "dead"]);
  const MESSAGE =
    "This part is not connected: the notebook's kernel restarted or stopped. " +
    "Run the cells again (Run menu, Run All Cells) to answer here. Your saved answers come back.";
  const STYLE = `
.${STALE} { opacity: 0.45; filter: grayscale(1); }
.${NOTE} {
  margin: 0.3em 0; padding: 0.4em 0.6em; border-left: 4px solid #8a4b00;
  background: #fff4e5; color: #3d2200; font-weight: 600;
}`;

  function addStyle() {
    if (document.getElementById(NAME + "-style")) return;
    const style = document.createElement("style");
    style.id = NAME + "-style";
    style.textContent = STYLE;
    document.head.appendChild(style);
  }

  /* Every widget output on show in ``node`` (a notebook panel) cannot be used any more. */
  function markGone(node) {
    for (const output of node.querySelectorAll(WIDGET_OUTPUT)) {
      if (output.classList.contains(STALE)) continue;
      output.classList.add(STALE);
      output.inert = true;
      // A widget drawn as nothing (the workbook's hidden stylesheet) needs no note.
      if (!output.offsetHeight) continue;
      const note = document.createElement("div");
      note.className = NOTE;
      note.setAttribute("role", "status");
      note.textContent = MESSAGE;
      output.before(note);
    }
  }

  function watch(widget, watched) {
    const session = widget && widget.sessionContext;
    if (!session || watched.has(widget)) return;
    watched.add(widget);
    session.statusChanged.connect((_, status) => {
      if (GONE.has(status)) markGone(widget.node);
    });
    // Another kernel chosen, or none: the old one's widgets are gone. Not the first
    // connection (oldValue null), which a page reload makes to a kernel that lives on.
    session.kernelChanged.connect((_, change) => {
      if (change.oldValue) markGone(widget.node);
    });
  }

  const plugin = {
    id: NAME + ":gone-kernel-widgets",
    description: "Widgets of a kernel that is gone cannot take answers; they say what to do.",
    autoStart: true,
    activate(app) {
      const shell = app.shell;
      if (!shell || typeof shell.widgets !== "function") return; // not JupyterLab's shell
      addStyle();
      const watched = new WeakSet();
      const watchAll = () => {
        for (const widget of shell.widgets("main")) watch(widget, watched);
      };
      app.restored.then(watchAll);
      for (const signal of [shell.currentChanged, shell.layoutModified]) {
        if (signal) signal.connect(watchAll);
      }
    },
  };

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: () => Promise.resolve(),
    get: (module) => {
      if (module !== "./extension") {
        return Promise.reject(new Error(`${NAME} has no module ${module}`));
      }
      return Promise.resolve(() => ({ __esModule: true, default: [plugin] }));
    },
  };
})();
