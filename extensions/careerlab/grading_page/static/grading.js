// CareerLab rubric grading page: saves every action at once, keyboard grading,
// comment bank. No build step and nothing fetched from outside this server.
// The page is server-rendered from the gradebook; this script only adds saving.
(() => {
  "use strict";

  const dataNode = document.getElementById("careerlab-grading-data");
  if (!dataNode) return;
  const config = JSON.parse(dataNode.textContent);
  const xsrf = document.body.dataset.xsrf || "";
  const query = config.anonymous ? "?anonymous=1" : "";
  const statusBox = document.getElementById("cl-status");
  const alertBox = document.getElementById("cl-alert");
  const queues = new Map(); // criterion id -> the promise of its last save, so saves stay in order
  const failed = new Set(); // criteria whose last save did not reach the gradebook
  let pending = 0;
  const COMMENT_DELAY_MS = 700;

  const announce = (text) => {
    statusBox.textContent = text;
  };
  const problem = (text) => {
    alertBox.textContent = text;
  };
  const points = (value) => (value === null || value === undefined ? "no" : String(Number(value)));
  const pointsPhrase = (value) => `${points(value)} ${Number(value) === 1 ? "point" : "points"}`;
  const criteria = () => [...document.querySelectorAll("fieldset.cl-criterion")];
  const titleOf = (fieldset) => fieldset.querySelector(".cl-criterion-title").textContent;
  const criterionUrl = (id) => `${config.api}/criteria/${encodeURIComponent(id)}${query}`;

  async function request(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRFToken": xsrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let payload = null;
    if (response.status !== 204) {
      try {
        payload = await response.json();
      } catch (error) {
        payload = null;
      }
    }
    if (!response.ok) {
      const error = new Error((payload && payload.message) || `The server answered ${response.status}.`);
      error.status = response.status;
      error.payload = payload;
      throw error;
    }
    return payload;
  }

  // One queue per criterion: a level chosen twice quickly is saved in the order chosen.
  function enqueue(id, job) {
    const previous = queues.get(id) || Promise.resolve();
    pending += 1;
    const next = previous.then(job).finally(() => {
      pending -= 1;
    });
    queues.set(id, next.catch(() => undefined));
    return next;
  }
  const allSaved = () => Promise.all([...queues.values()]);

  function markGiven(fieldset, level) {
    for (const input of fieldset.querySelectorAll("input[type=radio]")) {
      input.checked = input.value === level;
      input.closest(".cl-level").classList.toggle("cl-given", input.value === level);
    }
  }

  function showConflict(fieldset, conflict) {
    const box = fieldset.querySelector(".cl-conflict");
    box.textContent = "";
    if (!conflict) {
      box.hidden = true;
      return;
    }
    const strong = document.createElement("strong");
    strong.textContent = "Conflict:";
    const where =
      conflict.gradebook_points === null
        ? "Formgrader has no points"
        : `Formgrader has ${points(conflict.gradebook_points)} points`;
    let text = "";
    if (conflict.level) {
      const name = config.level_names[conflict.level] || conflict.level;
      text = ` ${where}, but the level given is ${name} (${pointsPhrase(conflict.level_points)}). Choose a level again to settle it.`;
    } else {
      text = ` ${where} but no level was given. Choose a level to settle it.`;
    }
    box.append(strong, document.createTextNode(text));
    if (conflict.level) {
      const keep = document.createElement("button");
      keep.type = "button";
      keep.className = "cl-keep";
      keep.dataset.level = conflict.level;
      keep.textContent = `Keep ${config.level_names[conflict.level] || conflict.level}`;
      box.append(document.createTextNode(" "), keep);
    }
    box.hidden = false;
  }

  // What the gradebook holds now, shown in the page (after a save, or when the tab comes back).
  function applyCriterion(fieldset, state) {
    markGiven(fieldset, state.level);
    showConflict(fieldset, state.conflict);
    const box = fieldset.querySelector(".cl-comment");
    if (document.activeElement !== box && box.value === box.dataset.base) {
      box.value = state.comment;
      box.dataset.base = state.comment;
    }
  }

  function updateProgress(progress) {
    const node = document.getElementById("cl-progress");
    if (node && progress) node.textContent = `${progress.graded} of ${progress.total} graded`;
  }

  function saveLevel(fieldset, level) {
    const id = fieldset.dataset.criterion;
    const title = titleOf(fieldset);
    markGiven(fieldset, level);
    announce(`Saving ${title}…`);
    return enqueue(id, () => request("PUT", criterionUrl(id), { level }))
      .then((saved) => {
        failed.delete(id);
        applyCriterion(fieldset, saved.criterion);
        updateProgress(saved.progress);
        problem("");
        announce(
          level === null
            ? `Level cleared: ${title}.`
            : `Saved: ${title}, ${config.level_names[level]} (${pointsPhrase(saved.criterion.points)}).`,
        );
      })
      .catch((error) => {
        failed.add(id);
        problem(`Not saved: ${title}. ${error.message}`);
      });
  }

  function saveComment(fieldset) {
    const id = fieldset.dataset.criterion;
    const title = titleOf(fieldset);
    const box = fieldset.querySelector(".cl-comment");
    clearTimeout(box.careerlabTimer);
    // Read the text and what it was based on when the save runs, not when it was asked for.
    return enqueue(id, () => {
      const text = box.value;
      const base = box.dataset.base;
      if (text === base) return null;
      return request("PUT", criterionUrl(id), { comment: text, comment_base: base }).then((saved) => {
        failed.delete(id);
        box.dataset.base = text;
        updateProgress(saved.progress);
        problem("");
        announce(`Comment saved: ${title}.`);
        return saved;
      });
    }).catch((error) => {
      failed.add(id);
      if (error.status === 409 && error.payload) {
        // Someone else saved first: keep both. Theirs is shown; ours stays in the box
        // and is saved (over theirs) when it changes again or the box is left.
        box.dataset.base = error.payload.current;
        problem(
          `${title}: the comment was changed in another tab or by another grader. ` +
            `Theirs: “${error.payload.current}”. Yours is still in the box and is saved ` +
            "when you leave the box.",
        );
      } else {
        problem(`Comment not saved: ${title}. ${error.message}`);
      }
    });
  }

  function focusCriterion(fieldset) {
    const target =
      fieldset.querySelector("input[type=radio]:checked") ||
      fieldset.querySelector("input[type=radio]");
    target.focus();
    fieldset.scrollIntoView({ block: "nearest" });
  }

  // The criterion a key acts on: the one with the focus, else the first without a level.
  // With every level given and the focus elsewhere, none: a stray key changes nothing.
  function currentCriterion() {
    const active = document.activeElement;
    const inside = active && active.closest ? active.closest("fieldset.cl-criterion") : null;
    return inside || criteria().find((f) => !f.querySelector("input:checked")) || null;
  }

  async function go(linkId) {
    const link = document.getElementById(linkId);
    if (!link) {
      announce(linkId === "cl-next" ? "This is the last submission." : "This is the first submission.");
      return;
    }
    for (const fieldset of criteria()) saveComment(fieldset);
    await allSaved();
    if (failed.size > 0) {
      // Leaving now would lose what did not save: stay, and say so (the alert says why).
      announce("Some changes are not saved yet, so this submission stays open.");
      return;
    }
    window.location.href = link.href;
  }

  // Levels: a click, Space or the arrow keys on the radio buttons.
  for (const fieldset of criteria()) {
    for (const input of fieldset.querySelectorAll("input[type=radio]")) {
      input.addEventListener("change", () => {
        if (input.checked) saveLevel(fieldset, input.value);
      });
    }
    fieldset.querySelector(".cl-clear").addEventListener("click", () => saveLevel(fieldset, null));
    fieldset.querySelector(".cl-conflict").addEventListener("click", (event) => {
      const keep = event.target.closest(".cl-keep");
      if (keep) saveLevel(fieldset, keep.dataset.level);
    });
    const box = fieldset.querySelector(".cl-comment");
    box.addEventListener("input", () => {
      clearTimeout(box.careerlabTimer);
      box.careerlabTimer = setTimeout(() => saveComment(fieldset), COMMENT_DELAY_MS);
    });
    box.addEventListener("blur", () => saveComment(fieldset));
    setUpBank(fieldset, box);
  }

  function bankItem(comment) {
    const item = document.createElement("li");
    item.dataset.id = String(comment.id);
    const use = document.createElement("button");
    use.type = "button";
    use.className = "cl-bank-use";
    use.textContent = comment.text;
    use.setAttribute("aria-label", `Use: ${comment.text}`);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "cl-bank-remove";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove from the bank: ${comment.text}`);
    item.append(use, document.createTextNode(" "), remove);
    return item;
  }

  function setUpBank(fieldset, box) {
    const list = fieldset.querySelector(".cl-bank-list");
    const count = fieldset.querySelector(".cl-bank-count");
    const recount = () => {
      count.textContent = String(list.children.length);
    };
    list.addEventListener("click", async (event) => {
      const item = event.target.closest("li");
      if (!item) return;
      if (event.target.closest(".cl-bank-use")) {
        const text = event.target.closest(".cl-bank-use").textContent;
        box.value = box.value.trim() ? `${box.value.trimEnd()}\n${text}` : text;
        saveComment(fieldset);
        box.focus();
      } else if (event.target.closest(".cl-bank-remove")) {
        try {
          await request("DELETE", `${config.bank}/${item.dataset.id}`);
          item.remove();
          recount();
          announce("Removed from the comment bank.");
        } catch (error) {
          problem(`Not removed: ${error.message}`);
        }
      }
    });
    fieldset.querySelector(".cl-bank-add").addEventListener("click", async () => {
      if (!box.value.trim()) {
        problem("Write a comment first, then save it to the bank.");
        box.focus();
        return;
      }
      try {
        const added = await request("POST", config.bank, {
          criterion: fieldset.dataset.criterion,
          text: box.value,
        });
        if (!list.querySelector(`li[data-id="${added.id}"]`)) list.append(bankItem(added));
        recount();
        problem("");
        announce(`Saved to the comment bank for ${titleOf(fieldset)}.`);
      } catch (error) {
        problem(`Not saved to the bank: ${error.message}`);
      }
    });
  }

  // The keyboard: digits give levels, N/J and P/K move between submissions, C comments.
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("textarea, input[type=text], select, [contenteditable]")) {
      return;
    }
    const key = event.key;
    if (/^[0-9]$/.test(key)) { // 0 is the 0-point level ("Missing") when the rubric has one
      const fieldset = currentCriterion();
      if (!fieldset) {
        announce("Every criterion has a level. Tab to a criterion to change its level.");
        return;
      }
      const radio = fieldset.querySelector(`input[data-key="${key}"]`);
      if (!radio) return;
      event.preventDefault();
      saveLevel(fieldset, radio.value);
      const all = criteria();
      const following = all[all.indexOf(fieldset) + 1];
      if (following) {
        focusCriterion(following);
      } else {
        const next = document.getElementById("cl-next");
        (next || radio).focus(); // after the last criterion: Enter opens the next submission
      }
    } else if (key === "n" || key === "j") {
      event.preventDefault();
      go("cl-next");
    } else if (key === "p" || key === "k") {
      event.preventDefault();
      go("cl-previous");
    } else if (key === "c") {
      const fieldset = currentCriterion();
      if (fieldset) {
        event.preventDefault();
        fieldset.querySelector(".cl-comment").focus();
      }
    }
  });

  // Links away wait for the last saves; closing the tab with one unsaved warns.
  for (const id of ["cl-next", "cl-previous"]) {
    const link = document.getElementById(id);
    if (link) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        go(id);
      });
    }
  }
  window.addEventListener("beforeunload", (event) => {
    const unsaved = criteria().some((f) => {
      const box = f.querySelector(".cl-comment");
      return box.value !== box.dataset.base;
    });
    if (pending > 0 || unsaved) {
      for (const fieldset of criteria()) saveComment(fieldset);
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Another tab or grader may have saved meanwhile: show the gradebook when this tab returns.
  async function refresh() {
    if (pending > 0) return;
    try {
      const separator = query ? "&" : "?";
      const detail = await request("GET", `${config.api}${query}${separator}work=0`);
      for (const state of detail.criteria) {
        const fieldset = document.getElementById(`criterion-${state.id}`);
        if (fieldset) applyCriterion(fieldset, state);
      }
      updateProgress(detail.progress);
    } catch (error) {
      problem(`Could not check for changes: ${error.message}`);
    }
  }

  // The student's work. When it was not rendered yet (the first submission after the server
  // starts), the page came without it so the rubric works at once; it is fetched here, and
  // again when the tab comes back (a re-autograde). Only the answer to the latest request
  // is shown: an earlier one arriving late never replaces a later one.
  const answersBox = document.getElementById("cl-answers");
  let workAsked = 0;
  async function loadWork() {
    const asked = ++workAsked;
    try {
      const view = await request("GET", config.work);
      if (asked !== workAsked) return;
      if (view.version !== answersBox.dataset.version) {
        answersBox.innerHTML = view.html; // built by the server, every student string escaped
        answersBox.dataset.version = view.version;
      }
      delete answersBox.dataset.pending;
      answersBox.removeAttribute("aria-busy");
    } catch (error) {
      if (asked === workAsked) {
        problem(`The student's answers cannot be shown: ${error.message} Reload the page to try again.`);
      }
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    refresh();
    loadWork();
  });
  if (answersBox.dataset.pending) loadWork();
  document.body.dataset.careerlabReady = "1";
})();
