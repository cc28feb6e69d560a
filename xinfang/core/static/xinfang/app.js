// xinfang: the little the pages need beyond htmx. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";
  // After a server answer with form errors, move focus to the first field in error (keyboard users).
  function focusFirstError(root) {
    var field = (root || document).querySelector(".has-error input, .has-error select, .has-error textarea");
    if (field) { field.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusFirstError(event.target); });
  // "Select all" boxes of bulk actions: <input type=checkbox data-select-all="name">.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[data-select-all]")) {
      document.querySelectorAll('input[name="' + box.dataset.selectAll + '"]').forEach(function (item) {
        item.checked = box.checked;
      });
    }
  });
  // Fields that carry the list's current filter (the export form: <input data-follow-query>) follow the
  // address when htmx filters, sorts or pages the list in place.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var query = window.location.search.replace(/^\?/, "");
    document.querySelectorAll("input[data-follow-query]").forEach(function (input) { input.value = query; });
  });
  // One-click accept of a suggestion (xinfang/nlp): <button data-nlp-accept="id_category" data-value="7">
  // sets that select and fires its change event (which asks htmx for the suggestions again).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-nlp-accept]");
    if (!button) { return; }
    var select = document.getElementById(button.dataset.nlpAccept);
    if (!select) { return; }
    select.value = button.dataset.value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.focus();
  });
  // Ask before a submit that cannot be undone: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
