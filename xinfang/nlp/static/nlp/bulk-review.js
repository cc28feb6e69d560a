// xinfang/nlp: the list's "按建议逐件转送…" button only opens a review page (it routes nothing), so the
// bulk form's "are you sure" question (data-confirm, handled in xinfang/app.js) is not asked for it.
// <button data-skip-confirm>: its form's data-confirm is set aside for this one submit.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-skip-confirm]");
    if (!button || !button.form) { return; }
    var form = button.form;
    var message = form.getAttribute("data-confirm");
    if (message === null) { return; }
    form.removeAttribute("data-confirm");
    window.setTimeout(function () { form.setAttribute("data-confirm", message); }, 0);
  });
})();
