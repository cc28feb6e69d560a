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
  // Ask before a submit that cannot be undone: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
