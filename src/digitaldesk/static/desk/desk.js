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
