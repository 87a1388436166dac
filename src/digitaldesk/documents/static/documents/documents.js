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
  const limit = Number(form.dataset.maxBytes || 0);
  if (limit && input.files[0].size > limit) {
    // Refused here, before the form is sent: the fields typed after choosing it are kept.
    if (status) { status.textContent = "Tệp quá lớn (tối đa " + Math.round(limit / 1048576) + " MB). Vui lòng chọn tệp khác."; }
    input.value = "";
    return;
  }
  const kept = form.querySelector(".kept-file");
  if (kept) { kept.textContent = "Tệp mới được chọn sẽ thay tệp đã giữ."; }
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
// Bút phê / chuyển xử lý: each role's check boxes become a search box with chips. The search
// ignores Vietnamese accents ("hoang van minh" finds "Hoàng Văn Minh"); the keyboard works:
// type, ↓/↑ move through the matches, Space ticks, Enter in the box ticks the first match,
// Esc goes back to the box, Backspace in an empty box removes the last chip.
(function () {
  const fold = function (text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  };
  const setUp = function (picker) {
    const search = picker.querySelector(".picker-search");
    const list = picker.querySelector(".picker-options");
    const chips = picker.querySelector(".picker-chips");
    const none = picker.querySelector(".picker-none");
    const options = Array.prototype.slice.call(picker.querySelectorAll(".picker-option"));
    const groups = Array.prototype.slice.call(picker.querySelectorAll(".picker-group"));
    search.hidden = false;
    picker.classList.add("enhanced");
    const visible = function () { return options.filter(function (o) { return !o.hidden; }); };
    const filter = function () {
      const words = fold(search.value).split(/\s+/).filter(Boolean);
      options.forEach(function (o) {
        const text = o.dataset.search;
        o.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      groups.forEach(function (g) {
        let next = g.nextElementSibling, any = false;
        while (next && !next.classList.contains("picker-group")) {
          if (next.classList.contains("picker-option") && !next.hidden) { any = true; }
          next = next.nextElementSibling;
        }
        g.hidden = !any;
      });
      if (none) { none.hidden = visible().length > 0; }
    };
    const open = function (yes) { picker.classList.toggle("open", yes); };
    const drawChips = function () {
      chips.textContent = "";
      options.forEach(function (o) {
        const box = o.querySelector("input");
        if (!box.checked) { return; }
        const chip = document.createElement("button");
        chip.type = "button";
        chip.className = "chip";
        const label = o.dataset.chip || o.textContent.trim();
        chip.textContent = label + " ×";
        chip.title = o.textContent.trim();
        chip.setAttribute("aria-label", "Bỏ " + label);
        chip.addEventListener("click", function () { box.checked = false; drawChips(); search.focus(); });
        chips.appendChild(chip);
      });
    };
    search.addEventListener("input", function () { filter(); open(true); });
    search.addEventListener("focus", function () { open(true); });
    search.addEventListener("keydown", function (e) {
      const shown = visible();
      if (e.key === "ArrowDown" && shown.length) { e.preventDefault(); open(true); shown[0].querySelector("input").focus(); }
      else if (e.key === "Enter") {
        e.preventDefault();
        if (search.value && shown.length) {
          const box = shown[0].querySelector("input");
          box.checked = !box.checked; drawChips(); search.value = ""; filter();
        }
      } else if (e.key === "Escape") { open(false); }
      else if (e.key === "Backspace" && !search.value) {
        const ticked = options.filter(function (o) { return o.querySelector("input").checked; });
        if (ticked.length) { ticked[ticked.length - 1].querySelector("input").checked = false; drawChips(); }
      }
    });
    list.addEventListener("keydown", function (e) {
      const shown = visible().map(function (o) { return o.querySelector("input"); });
      const at = shown.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && at < shown.length - 1) { e.preventDefault(); shown[at + 1].focus(); }
      else if (e.key === "ArrowUp") { e.preventDefault(); if (at > 0) { shown[at - 1].focus(); } else { search.focus(); } }
      else if (e.key === "Escape") { e.preventDefault(); search.focus(); open(false); }
      else if (e.key === "Enter") { e.preventDefault(); document.activeElement.click(); }
    });
    list.addEventListener("change", drawChips);
    picker.addEventListener("focusout", function () {
      setTimeout(function () { if (!picker.contains(document.activeElement)) { open(false); } }, 0);
    });
    filter();
    drawChips();
  };
  const phrases = function (box) {
    const note = document.getElementById(box.dataset.phrasesFor);
    if (!note) { return; }
    box.hidden = false;
    box.addEventListener("click", function (e) {
      const phrase = e.target.dataset && e.target.dataset.phrase;
      if (!phrase) { return; }
      const current = note.value.trim();
      note.value = current ? current + " " + phrase : phrase;
      note.focus();
    });
  };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-picker]").forEach(setUp);
    document.querySelectorAll("[data-phrases-for]").forEach(phrases);
  });
})();
