// Draft form: show the template fields or the file field depending on "Cách soạn".
document.addEventListener("DOMContentLoaded", function () {
  const form = document.querySelector(".draft-form");
  if (!form) { return; }
  const rowOf = function (name) {
    const el = form.querySelector("[name=" + name + "]");
    return el ? el.closest(".form-row") : null;
  };
  ["body", "addressee", "place"].forEach(function (n) { const r = rowOf(n); if (r) { r.classList.add("tpl-only"); } });
  const fileRow = rowOf("file"); if (fileRow) { fileRow.classList.add("file-only"); }
  const update = function () {
    const checked = form.querySelector("[name=mode]:checked");
    const mode = checked ? checked.value : "mau";
    form.classList.toggle("mode-tep", mode === "tep");
    form.classList.toggle("mode-mau", mode !== "tep");
  };
  form.addEventListener("change", function (e) { if (e.target.name === "mode") { update(); } });
  update();
});
