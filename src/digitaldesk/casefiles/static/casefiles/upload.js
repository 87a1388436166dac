// Resumable, chunked upload of many scans at once (no inline script: CSP).
// Each file: begin (the server answers how much it already has, so an upload cut
// by the network resumes where it stopped), chunks of 8 MB, finish.
(function () {
  "use strict";
  var CHUNK = 8 * 1024 * 1024;

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body, type) {
    var headers = { "X-CSRFToken": csrf() };
    if (type) headers["Content-Type"] = type;
    return fetch(url, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok && r.status !== 409) throw new Error(data.error || ("Lỗi máy chủ " + r.status));
          data._status = r.status;
          return data;
        });
      });
  }

  function sendFile(form, file, line) {
    var key = [file.name, file.size, file.lastModified].join("|");
    var volume = form.querySelector("[name=volume]").value;
    return post(form.dataset.beginUrl, JSON.stringify({ name: file.name, size: file.size, key: key, volume: volume }),
      "application/json").then(function (info) {
      if (info.error) throw new Error(info.error);
      line.dataset.upload = info.id;
      var offset = info.received || 0;
      function next() {
        line.querySelector(".pct").textContent = Math.floor(100 * offset / file.size) + "%";
        if (offset >= file.size) return post(info.finish_url, "", "application/json");
        var end = Math.min(file.size, offset + CHUNK);
        return post(info.chunk_url + "?offset=" + offset, file.slice(offset, end), "application/octet-stream")
          .then(function (res) {
            if (res._status === 409 && typeof res.received === "number") { offset = res.received; return next(); }
            if (res.error) throw new Error(res.error);
            offset = res.received;
            return next();
          }, function (err) {
            // Network hiccup: wait and ask again from the server's count.
            line.querySelector(".pct").textContent = "mất kết nối, đang thử lại…";
            return new Promise(function (ok) { setTimeout(ok, 3000); }).then(function () {
              return post(form.dataset.beginUrl, JSON.stringify({ name: file.name, size: file.size, key: key, volume: volume }),
                "application/json").then(function (again) { offset = again.received || 0; return next(); });
            });
          });
      }
      return next();
    });
  }

  function refreshProgress(form) {
    var target = document.getElementById("cf-progress");
    if (window.htmx && target) {
      window.htmx.ajax("GET", form.dataset.progressUrl, { target: "#cf-progress", swap: "outerHTML" });
    }
  }

  // A received file's line follows its row of the progress table (refreshed by htmx): it says
  // "đang nhận dạng" only while the pages are being read.
  function followRows() {
    document.querySelectorAll("#cf-upload-status li[data-upload]").forEach(function (line) {
      var row = document.getElementById("upload-" + line.dataset.upload);
      if (!row || !line.classList.contains("ok")) return;
      var pct = line.querySelector(".pct");
      var range = row.dataset.first ? " (bút lục " + row.dataset.first + "–" +
        (Number(row.dataset.first) + Number(row.dataset.pages) - 1) + ")" : "";
      if (row.dataset.state === "done") {
        pct.textContent = "đã nhận dạng xong " + row.dataset.pages + " trang" + range;
        line.dataset.state = "done";
      } else if (row.dataset.state === "failed") {
        pct.textContent = "lỗi, xem bảng tiến độ";
        line.classList.replace("ok", "bad");
      }
    });
  }
  document.addEventListener("htmx:afterSettle", followRows);

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("cf-upload-form");
    if (!form || !window.fetch) return;
    form.addEventListener("submit", function (event) {
      var files = form.querySelector("input[type=file]").files;
      if (!files.length) return;
      event.preventDefault();
      var button = document.getElementById("cf-upload-button");
      button.setAttribute("aria-busy", "true");
      var list = document.getElementById("cf-upload-status");
      var chain = Promise.resolve();
      Array.prototype.forEach.call(files, function (file) {
        var line = document.createElement("li");
        line.innerHTML = "<span class='name'></span> — <span class='pct'>chờ</span>";
        line.querySelector(".name").textContent = file.name;
        list.appendChild(line);
        // One file after the other: the rest of the batch goes on when one fails.
        chain = chain.then(function () {
          return sendFile(form, file, line).then(function (done) {
            if (done.error) { line.classList.add("bad"); line.querySelector(".pct").textContent = done.error; }
            else { line.classList.add("ok"); line.querySelector(".pct").textContent = "đã nhận " + done.pages + " trang (bút lục " + done.first_but_luc + "–" + (done.first_but_luc + done.pages - 1) + "), đang nhận dạng"; }
            refreshProgress(form);
            followRows();
          }, function (err) {
            line.classList.add("bad");
            line.querySelector(".pct").textContent = err.message;
          });
        });
      });
      chain.then(function () { button.removeAttribute("aria-busy"); form.querySelector("input[type=file]").value = ""; refreshProgress(form); });
    });
  });
})();
