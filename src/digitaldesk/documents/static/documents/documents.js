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
// Register form: when a file is chosen, read its stated fields and fill the empty inputs.
document.addEventListener("change", function (event) {
  const input = event.target;
  const form = input.closest && input.closest("form[data-guess-url]");
  if (!form || input.name !== "file" || !input.files || !input.files.length) { return; }
  const status = form.querySelector(".guess-status");
  const data = new FormData();
  data.append("file", input.files[0]);
  data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
  if (status) { status.textContent = "Đang đọc tệp…"; }
  fetch(form.dataset.guessUrl, { method: "POST", body: data, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (result) {
      if (result.error) { if (status) { status.textContent = result.error; } return; }
      Object.keys(result.fields || {}).forEach(function (name) {
        const field = form.querySelector("[name=" + name + "]");
        if (field && (!field.value || field.tagName === "SELECT")) { field.value = result.fields[name]; }
      });
      if (status) { status.textContent = result.message; }
    })
    .catch(function () { if (status) { status.textContent = "Không đọc được tệp; vui lòng nhập thông tin."; } });
});
