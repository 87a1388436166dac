// Webmail: folders behind a button on a phone; address book suggestions; draft autosave.
document.addEventListener("DOMContentLoaded", function () {
  const toggle = document.querySelector(".mail-folders-toggle");
  const folders = document.getElementById("mail-folders");
  if (toggle && folders) {
    toggle.addEventListener("click", function () {
      const open = folders.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  const form = document.querySelector("form.mail-compose");
  if (!form) { return; }
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  // Address book: the part after the last comma is looked up; a choice replaces it.
  form.querySelectorAll(".mail-recipient").forEach(function (box) {
    const input = box.querySelector("input");
    const list = box.querySelector(".mail-suggestions");
    let timer = null;
    const last = function () { const parts = input.value.split(/[,;]/); return parts[parts.length - 1].trim(); };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      const q = last();
      if (q.length < 2) { list.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(form.dataset.directoryUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.innerHTML = "";
            data.results.forEach(function (entry) {
              const li = document.createElement("li");
              const button = document.createElement("button");
              button.type = "button";
              button.textContent = entry.label;
              button.addEventListener("click", function () {
                const cut = Math.max(input.value.lastIndexOf(","), input.value.lastIndexOf(";"));
                const head = cut >= 0 ? input.value.slice(0, cut + 1) + " " : "";
                input.value = head + entry.value + ", ";
                list.hidden = true;
                input.focus();
                schedule();
              });
              li.appendChild(button);
              list.appendChild(li);
            });
            list.hidden = data.results.length === 0;
          });
      }, 250);
    });
  });

  // Autosave: a few seconds after the last keystroke, and when the page is left.
  const status = form.querySelector(".mail-draft-status");
  let pending = null;
  let dirty = false;
  const save = function (beacon) {
    if (!dirty) { return; }
    dirty = false;
    const data = new FormData();
    ["key", "draft_uid", "in_reply_to", "references", "to", "cc", "subject", "body"].forEach(function (n) {
      const el = form.querySelector("[name=" + n + "]");
      data.append(n, el ? el.value : "");
    });
    data.append("csrfmiddlewaretoken", csrf);
    if (beacon && navigator.sendBeacon) { navigator.sendBeacon(form.dataset.autosaveUrl, data); return; }
    fetch(form.dataset.autosaveUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        if (result.uid) { form.querySelector("[name=draft_uid]").value = result.uid; }
        status.textContent = result.message || result.error || "";
        status.classList.toggle("msg-warning", result.where === "desk");
      })
      .catch(function () {
        dirty = true;
        status.textContent = "Chưa lưu được bản nháp (mất kết nối tới Bàn làm việc); nội dung vẫn còn trên trang này, đừng đóng trang.";
        status.classList.add("msg-warning");
      });
  };
  const schedule = function () { dirty = true; clearTimeout(pending); pending = setTimeout(function () { save(false); }, 4000); };
  form.addEventListener("input", function (e) { if (e.target.type !== "file") { schedule(); } });
  form.addEventListener("submit", function () { dirty = false; clearTimeout(pending); });
  window.addEventListener("pagehide", function () { save(true); });
});
