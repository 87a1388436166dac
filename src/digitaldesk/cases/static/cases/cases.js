// Case pages: the charge picker fills the article and clause fields from a search result.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".pick-clause");
    if (!button) { return; }
    var article = document.getElementById("id_chg-article");
    var clause = document.getElementById("id_chg-clause");
    if (article) { article.value = button.getAttribute("data-article"); }
    if (clause) { clause.value = button.getAttribute("data-clause"); clause.focus(); }
  });
})();
