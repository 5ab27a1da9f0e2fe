// The authoring page: gathers the form into parts, asks the server for previews,
// checks, saves and releases. No build step; every string from the server is set as
// text, except previews, which the server escaped and cleaned (careerlab.sanitize).
"use strict";

(function () {
  const xsrf = document.body.dataset.xsrf || "";

  async function send(method, url, body, raw) {
    const headers = { "X-XSRFToken": xsrf };
    if (!raw) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: raw ? body : JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (error) { data = { message: String(error) }; }
    return { status: response.status, data: data };
  }

  function setup() {
    const importForm = document.getElementById("al-import");
    if (importForm) setupImport(importForm);
    const node = document.getElementById("careerlab-authoring-data");
    if (!node) return;
    const state = JSON.parse(node.textContent);
    const editor = document.getElementById("al-editor");
    const status = document.getElementById("al-status");

    function say(text) { status.textContent = text; }

    function taskPart(section) {
      const fields = [];
      section.querySelectorAll("[data-field]").forEach(function (input) {
        fields.push([input.dataset.field, input.dataset.mode, input.value]);
      });
      const box = section.querySelector(".al-options-edit");
      let options = null;
      if (box) {
        options = [];
        box.querySelectorAll(".al-option-row").forEach(function (row) {
          options.push([row.querySelector(".al-option-key").value,
                        row.querySelector(".al-option-text").value]);
        });
      }
      return { type: "task", kind: section.dataset.kind, fields: fields, options: options };
    }

    function parts() {
      const found = [];
      editor.querySelectorAll(".al-part").forEach(function (section) {
        const type = section.dataset.type;
        if (type === "text") {
          found.push({ type: "text", name: section.dataset.name || null,
                       text: section.querySelector("textarea").value });
        } else if (type === "task") {
          found.push(taskPart(section));
        } else {
          found.push(JSON.parse(section.dataset.part));
        }
      });
      return found;
    }

    function descriptors() {
      const found = {};
      editor.querySelectorAll("[data-criterion]").forEach(function (area) {
        found[area.dataset.criterion] = found[area.dataset.criterion] || {};
        found[area.dataset.criterion][area.dataset.level] = area.value;
      });
      return found;
    }

    function request() {
      return {
        version: state.version, base: state.base, parts: parts(),
        rubric: { version: state.rubric.version, base: state.rubric.base || "",
                  descriptors: descriptors() },
      };
    }

    // Previews: asked for 300 ms after the last keystroke in a part.
    const timers = new WeakMap();
    editor.addEventListener("input", function (event) {
      const section = event.target.closest(".al-part");
      if (!section || !section.querySelector(".al-preview")) return;
      clearTimeout(timers.get(section));
      timers.set(section, setTimeout(function () { preview(section); }, 300));
    });

    async function preview(section) {
      const body = section.dataset.type === "task"
        ? { part: taskPart(section) }
        : { markdown: section.querySelector("textarea").value };
      const result = await send("POST", state.preview, body);
      if (result.status === 200) section.querySelector(".al-preview").innerHTML = result.data.html;
    }

    editor.addEventListener("click", function (event) {
      const target = event.target;
      if (target.classList.contains("al-add-option")) {
        const list = target.closest(".al-options-edit").querySelector("ul");
        const row = document.createElement("li");
        row.className = "al-option-row";
        const number = list.children.length + 1;
        row.innerHTML = '<label>key <input type="text" class="al-option-key"></label> ' +
          '<label>text <input type="text" class="al-option-text"></label> ' +
          '<button type="button" class="al-remove-option"></button>';
        row.querySelector("button").textContent = "Remove option " + number;
        list.appendChild(row);
        row.querySelector("input").focus();
      } else if (target.classList.contains("al-remove-option")) {
        const section = target.closest(".al-part");
        target.closest(".al-option-row").remove();
        preview(section);
      }
    });

    function clearProblems() {
      document.querySelectorAll(".al-problem").forEach(function (node) { node.remove(); });
      document.querySelectorAll("[aria-invalid]").forEach(function (field) {
        field.removeAttribute("aria-invalid");
        const kept = (field.getAttribute("aria-describedby") || "").split(" ")
          .filter(function (id) { return id && !id.startsWith("problem-"); });
        if (kept.length) field.setAttribute("aria-describedby", kept.join(" "));
        else field.removeAttribute("aria-describedby");
      });
      document.getElementById("al-problems").textContent = "";
    }

    // The field a problem names: its path, or the longest path above it on the page.
    function fieldFor(where) {
      const steps = where.split(".");
      while (steps.length) {
        const path = steps.join(".");
        const found = Array.from(editor.querySelectorAll("[data-where]"))
          .find(function (node) { return node.dataset.where === path; });
        if (found && path !== "cells") return found;
        steps.pop();
      }
      return null;
    }

    function showProblems(problems, general) {
      clearProblems();
      const top = document.getElementById("al-problems");
      const list = document.createElement("ul");
      (problems || []).forEach(function (problem, index) {
        const field = fieldFor(problem.where);
        const message = document.createElement("p");
        message.className = "al-problem";
        message.id = "problem-" + index;
        message.textContent = problem.message;
        if (field) {
          const box = field.closest("[data-where-box]") || field;
          box.appendChild(message);
          field.setAttribute("aria-invalid", "true");
          const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          ids.push(message.id);
          field.setAttribute("aria-describedby", ids.join(" "));
        } else {
          const item = document.createElement("li");
          item.textContent = problem.where + ": " + problem.message;
          list.appendChild(item);
        }
      });
      (general || []).forEach(function (text) {
        const item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      if (list.children.length) top.appendChild(list);
      const count = (problems || []).length + (general || []).length;
      return count;
    }

    document.getElementById("al-check").addEventListener("click", async function () {
      say("Checking…");
      const result = await send("POST", state.api + "/check", request());
      if (result.status !== 200) return say(result.data.message || "The check failed.");
      const count = showProblems(result.data.problems, result.data.general);
      say(count ? count + " problem(s) found: each is shown next to its field." : "No problems found.");
    });

    document.getElementById("al-save").addEventListener("click", async function () {
      say("Saving…");
      const conflict = document.getElementById("al-conflict");
      conflict.hidden = true;
      const result = await send("PUT", state.api, request());
      if (result.status === 409) {
        showProblems(result.data.problems, []);
        if (result.data.diff) {
          conflict.textContent = result.data.diff;
          conflict.hidden = false;
        }
        return say(result.data.message);
      }
      if (result.status !== 200) {
        showProblems(result.data.problems, []);
        return say(result.data.message || "Not saved.");
      }
      state.version = result.data.version;
      state.base = result.data.text;
      state.rubric = result.data.rubric;
      const count = showProblems(result.data.problems, result.data.general);
      say(result.data.built
        ? "Saved, and the notebook is built."
        : "Saved, but not built: " + count + " problem(s) to fix first.");
    });

    document.getElementById("al-release").addEventListener("click", async function () {
      say("Releasing…");
      const output = document.getElementById("al-release-output");
      const result = await send("POST", state.api + "/release", {});
      output.textContent = result.data.output || result.data.message || "";
      output.hidden = false;
      if (result.status === 200 && result.data.released) {
        say("Released to the class.");
        // Students' answers will be stored under the ids and keys now: lock them here too.
        document.querySelectorAll("[data-lockable], .al-option-key").forEach(function (input) {
          input.readOnly = true;
        });
      } else {
        say("Not released: see the messages below.");
      }
    });
  }

  function setupImport(form) {
    const result = document.getElementById("al-import-result");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const file = document.getElementById("al-import-file").files[0];
      if (!file) { result.textContent = "Choose a .careerlab.zip file first."; return; }
      const as = document.getElementById("al-import-as").value.trim();
      const url = form.dataset.url + (as ? "?as=" + encodeURIComponent(as) : "");
      const answer = await send("POST", url, await file.arrayBuffer(), true);
      if (answer.status === 201) {
        const problems = answer.data.problems.length
          ? " Check found: " + answer.data.problems.join(" ")
          : " It passes the checks.";
        result.textContent = "Imported as " + answer.data.project + "." + problems;
      } else {
        result.textContent = answer.data.message +
          (answer.data.suggestion ? " Try the id " + answer.data.suggestion + "." : "");
        if (answer.data.suggestion) document.getElementById("al-import-as").value = answer.data.suggestion;
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
