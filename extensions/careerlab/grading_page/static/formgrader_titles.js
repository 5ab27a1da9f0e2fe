// CareerLab: project titles in nbgrader's Formgrader (careerlab.grading_page.formgrader_titles
// serves this after nbgrader's utils.js, with careerlabProjectTitles: {id: "Title (id)"}).
// A name cell, its link or a breadcrumb whose text is an assignment id (or "id (no
// submission)") gets the label instead, as text: a title is never read as markup.
(function () {
  "use strict";
  var labels = window.careerlabProjectTitles || {};
  var WHERE = "td.name, td.name a, .breadcrumb li, .breadcrumb li a";
  var SHOWN = /^(\S+)( \([^()]*\))?$/;

  function retitle(element) {
    if (element.children.length || element.dataset.careerlabTitle === element.textContent) {
      return; // a cell holding a link (the link is retitled), or already done
    }
    var shown = SHOWN.exec(element.textContent.trim());
    if (!shown || !Object.prototype.hasOwnProperty.call(labels, shown[1])) {
      return;
    }
    element.textContent = labels[shown[1]] + (shown[2] || "");
    element.dataset.careerlabTitle = element.textContent;
  }

  function retitleAll() {
    document.querySelectorAll(WHERE).forEach(retitle);
  }

  document.addEventListener("DOMContentLoaded", function () {
    retitleAll();
    // Formgrader draws its tables after fetching its API, and again after each action.
    new MutationObserver(retitleAll).observe(document.body, { childList: true, subtree: true });
  });
})();
