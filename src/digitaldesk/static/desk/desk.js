// Small behaviours shared by every page (no inline scripts: the CSP forbids them).
document.addEventListener("click", function (event) {
  const toggle = event.target.closest("[data-toggle]");
  if (toggle) {
    const target = document.getElementById(toggle.dataset.toggle);
    const open = target.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  const confirmEl = event.target.closest("[data-confirm]");
  if (confirmEl && !window.confirm(confirmEl.dataset.confirm)) {
    event.preventDefault();
  }
});
// Escape closes an open menu (the phone navigation) and gives the focus back to its button.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") { return; }
  document.querySelectorAll("[data-toggle][aria-expanded=true]").forEach(function (toggle) {
    document.getElementById(toggle.dataset.toggle).classList.remove("open");
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  });
});
// Prevent double submission: a form is sent once; the button shows it is working.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
  setTimeout(function () { form.dataset.submitted = ""; }, 8000);
});
document.body && document.body.addEventListener("htmx:responseError", function (event) {
  const box = document.querySelector(".messages") || document.createElement("ul");
  box.className = "messages";
  const li = document.createElement("li");
  li.className = "msg-error";
  li.textContent = "Không kết nối được máy chủ hoặc thao tác bị từ chối (mã " + event.detail.xhr.status + "). Vui lòng thử lại.";
  box.appendChild(li);
  document.getElementById("main").prepend(box);
});
// List pages on a phone (docs/desk.md, "Phones"): every list table becomes one card per row, each
// cell labelled with its column header (the CSS turns .cards into cards below 760 px), and the
// filters of a list fold behind a "Bộ lọc" button. Tables that must stay tables carry .table-keep;
// a table with merged rows (rowspan) is left alone.
function deskCards(root) {
  root.querySelectorAll("table:not(.table-keep):not(.cards)").forEach(function (table) {
    if (!table.tHead || table.querySelector("[rowspan]")) { return; }
    const headerRow = table.tHead.rows[table.tHead.rows.length - 1];
    if (!headerRow || headerRow.cells.length < 2) { return; }
    const labels = Array.from(headerRow.cells).map(function (th) { return th.textContent.trim(); });
    Array.from(table.tBodies).forEach(function (body) {
      Array.from(body.rows).forEach(function (row) {
        Array.from(row.cells).forEach(function (cell, index) {
          if (cell.colSpan === 1 && labels[index] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", labels[index]);
          }
        });
      });
    });
    table.classList.add("cards");
  });
}
function deskFoldFilters(root) {
  root.querySelectorAll("form.filters:not(.foldable), form[data-fold]:not(.foldable)").forEach(function (form, index) {
    if (!form.id) { form.id = "bo-loc-" + (index + 1); }
    const params = new URLSearchParams(window.location.search);
    const names = new Set();
    Array.from(form.elements).forEach(function (el) {
      if (el.name && el.type !== "hidden" && params.get(el.name)) { names.add(el.name); }
    });
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary filter-toggle";
    button.dataset.toggle = form.id;
    button.setAttribute("aria-controls", form.id);
    button.setAttribute("aria-expanded", "false");
    button.textContent = names.size ? "Bộ lọc (" + names.size + " điều kiện)" : "Bộ lọc";
    form.classList.add("foldable");
    form.parentNode.insertBefore(button, form);
  });
}
function deskLists(root) { deskCards(root); deskFoldFilters(root); }
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () { deskLists(document); });
} else {
  deskLists(document);
}
document.addEventListener("htmx:afterSettle", function (event) { deskLists(event.target); });
