// Court presentation mode (trình chiếu chứng cứ tại phiên tòa). No inline script (CSP).
//
// The presenter window changes the state (bút lục shown, second page, zoom rectangle,
// highlight rectangles, search words) and posts it to the server; projector windows
// (another window on the court's display, or another device signed in) poll the
// state every 400 ms and draw the same thing, without reloading. Each page is an
// SVG: the scan as an <image>, hits and highlights as <rect>s in the same
// coordinates, and zoom is the SVG viewBox, so the projector shows exactly the
// region the presenter chose whatever the screen size.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var config = JSON.parse(document.getElementById("present-config").textContent);
  var mode = document.body.dataset.mode;
  var stage = document.getElementById("stage");
  var statusEl = document.getElementById("p-status");
  var state = config.state || { but_luc: config.min, second: null, zoom: null, marks: [], mode: "single", q: "" };
  var version = config.version;
  var tool = null; // "zoom" | "mark" while dragging a rectangle
  var cache = {}; // but_luc -> page data
  var imgCache = {}; // url -> Image (preloaded)
  var playlist = config.playlist || []; // bút lục of the hearing's playlist, in order (presenter only)
  var at = playlist.indexOf(state.but_luc); // index of the playlist item last shown (-1: none yet)
  window.deskPresent = { lastJumpMs: null, shown: null, version: version };

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function pageUrl(n, q) {
    return config.page_url.replace(/\/0\/du-lieu\/$/, "/" + n + "/du-lieu/") + (q ? "?q=" + encodeURIComponent(q) : "");
  }

  function imageUrl(n) {
    return config.page_url.replace(/\/0\/du-lieu\/$/, "/" + n + "/anh/");
  }

  function loadData(n, q) {
    var key = n + "|" + (q || "");
    if (cache[key]) return Promise.resolve(cache[key]);
    return fetch(pageUrl(n, q), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("Không có bút lục " + n);
      return r.json();
    }).then(function (data) { cache[key] = data; return data; });
  }

  function loadImage(url) {
    if (imgCache[url] && imgCache[url].complete && imgCache[url].naturalWidth) return Promise.resolve(imgCache[url]);
    return new Promise(function (ok, fail) {
      var img = imgCache[url] || new Image();
      imgCache[url] = img;
      img.onload = function () { ok(img); };
      img.onerror = function () { fail(new Error("Không tải được ảnh trang")); };
      if (!img.src) img.src = url;
    });
  }

  function svgEl(name, attrs) {
    var el = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  // One page pane: <svg viewBox> with the image and the rectangles.
  function pane(data, img, zoom, marks) {
    var w = 1000, h = Math.round(1000 * img.naturalHeight / img.naturalWidth);
    var box = document.createElement("div");
    box.className = "pane";
    var svg = svgEl("svg", { "class": "page-svg", preserveAspectRatio: "xMidYMid meet", role: "img",
      "aria-label": "Bút lục " + data.but_luc, "data-bl": data.but_luc });
    var vb = zoom ? [zoom[0] * w, zoom[1] * h, (zoom[2] - zoom[0]) * w, (zoom[3] - zoom[1]) * h] : [0, 0, w, h];
    svg.setAttribute("viewBox", vb.join(" "));
    svg.appendChild(svgEl("image", { href: img.src, x: 0, y: 0, width: w, height: h, preserveAspectRatio: "none" }));
    (data.boxes || []).forEach(function (b) {
      svg.appendChild(svgEl("rect", { "class": "hit", x: b[0] * w, y: b[1] * h, width: b[2] * w, height: b[3] * h }));
    });
    (marks || []).forEach(function (m) {
      svg.appendChild(svgEl("rect", { "class": "mark", x: m[0] * w, y: m[1] * h, width: (m[2] - m[0]) * w, height: (m[3] - m[1]) * h }));
    });
    var label = document.createElement("div");
    label.className = "pane-label";
    label.textContent = "Bút lục " + data.but_luc + (data.document ? " — " + data.document : "") + (data.volume ? " (tập " + data.volume + ")" : "");
    box.appendChild(svg);
    box.appendChild(label);
    svg._size = [w, h];
    svg._zoom = vb;
    return box;
  }

  function render(pagesData) {
    // pagesData: { first: {data, img}, second: {data, img} | null }
    var frag = document.createDocumentFragment();
    frag.appendChild(pane(pagesData.first.data, pagesData.first.img, state.mode === "pair" ? null : state.zoom,
      state.mode === "pair" ? [] : state.marks));
    if (pagesData.second) frag.appendChild(pane(pagesData.second.data, pagesData.second.img, null, []));
    stage.className = "stage" + (pagesData.second ? " pair" : "");
    stage.replaceChildren(frag);
    window.deskPresent.shown = state.but_luc;
    stage.dataset.shown = state.but_luc + (pagesData.second ? "," + pagesData.second.data.but_luc : "");
    stage.dataset.version = version;
    var input = document.getElementById("p-bl");
    if (input && document.activeElement !== input) input.value = state.but_luc;
    markPlaylist();
  }

  // The playlist item on screen is marked in the side bar (aria-current), so the presenter sees
  // where they are in the list; none is marked while a page off the list is shown.
  function markPlaylist() {
    var current = playlist[at] === state.but_luc ? at : -1;
    document.querySelectorAll(".pplaylist .plink").forEach(function (b) {
      if (parseInt(b.dataset.index, 10) === current) b.setAttribute("aria-current", "step");
      else b.removeAttribute("aria-current");
    });
  }

  function fetchAndRender(data) {
    // data: optional {pages: {...}} from the state endpoint (projector)
    var n = state.but_luc, s = state.mode === "pair" ? state.second : null, q = state.q || "";
    function get(num) {
      if (data && data.pages && data.pages[String(num)]) return Promise.resolve(data.pages[String(num)]);
      return loadData(num, q);
    }
    // The image and the page's details are fetched side by side (one round trip, not two).
    function both(num) {
      return Promise.all([get(num), loadImage(imageUrl(num))]).then(function (r) { return { data: r[0], img: r[1] }; });
    }
    var jobs = [both(n)];
    if (s) jobs.push(both(s));
    return Promise.all(jobs).then(function (res) {
      render({ first: res[0], second: res[1] || null });
      return res;
    });
  }

  function say(text) { if (statusEl) statusEl.textContent = text; }

  // ---------------- presenter ----------------
  var pushTimer = null;
  function push() {
    clearTimeout(pushTimer);
    pushTimer = setTimeout(function () {
      fetch(config.state_url, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(state) })
        .then(function (r) { return r.json(); })
        .then(function (d) { if (d.error) say(d.error); else { version = d.version; window.deskPresent.version = version; say("Màn chiếu đã cập nhật"); } })
        .catch(function () { say("Mất kết nối với máy chủ"); });
    }, 30);
  }

  function show(changes) {
    var started = performance.now();
    Object.keys(changes).forEach(function (k) { state[k] = changes[k]; });
    return fetchAndRender().then(function () {
      window.deskPresent.lastJumpMs = performance.now() - started;
      push();
      prefetch(state.but_luc);
    }, function (err) { say(err.message); });
  }

  function prefetch(n) {
    [n + 1, n - 1].forEach(function (m) {
      if (m < config.min || m > config.max) return;
      loadData(m, state.q).catch(function () {});
      loadImage(imageUrl(m)).catch(function () {});
    });
  }

  function showPage(n) {
    return show({ but_luc: n, zoom: null, marks: [], second: state.mode === "pair" ? Math.min(config.max, n + 1) : null });
  }

  // Next/previous: the next item of the playlist when there is one, else the next bút lục. A page
  // shown off the list (a jump, a search hit) does not lose the place: → goes on with the item after
  // the one last shown, ← comes back to it. At either end nothing changes (zoom and highlights stay).
  function step(delta) {
    if (playlist.length) {
      var here = playlist[at] === state.but_luc ? at : playlist.indexOf(state.but_luc);
      var j = here >= 0 ? here + delta : (delta > 0 ? at + 1 : at);
      if (j < 0 || j >= playlist.length) {
        if (here >= 0) { say(j < 0 ? "Đây là mục đầu của danh sách trình chiếu" : "Đã hết danh sách trình chiếu"); return; }
        j = Math.min(playlist.length - 1, Math.max(0, j));
      }
      at = j;
      return showPage(playlist[j]);
    }
    var n = Math.min(config.max, Math.max(config.min, state.but_luc + delta));
    if (n === state.but_luc) { say(delta < 0 ? "Đây là bút lục đầu của hồ sơ" : "Đây là bút lục cuối của hồ sơ"); return; }
    return showPage(n);
  }

  function toSvgPoint(svg, event) {
    var pt = svg.createSVGPoint();
    pt.x = event.clientX; pt.y = event.clientY;
    var p = pt.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.min(1, Math.max(0, p.x / svg._size[0])), Math.min(1, Math.max(0, p.y / svg._size[1]))];
  }

  function setTool(name) {
    tool = tool === name ? null : name;
    document.body.dataset.tool = tool || "";
    say(tool === "zoom" ? "Kéo chuột để chọn vùng phóng to" : tool === "mark" ? "Kéo chuột để tô sáng" : "");
  }

  function presenter() {
    var drag = null;
    stage.addEventListener("pointerdown", function (e) {
      var svg = e.target.closest && e.target.closest("svg.page-svg");
      if (!tool || !svg) return;
      e.preventDefault();
      drag = { svg: svg, from: toSvgPoint(svg, e), rect: null };
      drag.rect = svgEl("rect", { "class": tool === "zoom" ? "zoombox" : "mark" });
      svg.appendChild(drag.rect);
    });
    stage.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var to = toSvgPoint(drag.svg, e), s = drag.svg._size;
      var x0 = Math.min(drag.from[0], to[0]), y0 = Math.min(drag.from[1], to[1]);
      drag.rect.setAttribute("x", x0 * s[0]); drag.rect.setAttribute("y", y0 * s[1]);
      drag.rect.setAttribute("width", Math.abs(to[0] - drag.from[0]) * s[0]);
      drag.rect.setAttribute("height", Math.abs(to[1] - drag.from[1]) * s[1]);
    });
    window.addEventListener("pointerup", function (e) {
      if (!drag) return;
      var to = toSvgPoint(drag.svg, e), from = drag.from;
      drag = null;
      var r = [Math.min(from[0], to[0]), Math.min(from[1], to[1]), Math.max(from[0], to[0]), Math.max(from[1], to[1])];
      if (r[2] - r[0] < 0.01 || r[3] - r[1] < 0.01) { fetchAndRender(); return; }
      // toSvgPoint gives page fractions already (the viewBox maps zoomed screens back to the page).
      if (tool === "zoom") { setTool("zoom"); show({ zoom: r, mode: "single" }); }
      else { show({ marks: (state.marks || []).concat([r]) }); }
    });

    document.getElementById("p-prev").addEventListener("click", function () { step(-1); });
    document.getElementById("p-next").addEventListener("click", function () { step(1); });
    document.getElementById("p-go").addEventListener("submit", function (e) {
      e.preventDefault();
      var n = parseInt(document.getElementById("p-bl").value, 10);
      if (isNaN(n)) return;
      if (n < config.min || n > config.max) { say("Hồ sơ có bút lục " + config.min + "–" + config.max); return; }
      document.getElementById("p-bl").blur();
      show({ but_luc: n, zoom: null, marks: [], second: state.mode === "pair" ? Math.min(config.max, n + 1) : null });
    });
    document.getElementById("p-zoom").addEventListener("click", function () { setTool("zoom"); });
    document.getElementById("p-mark").addEventListener("click", function () { setTool("mark"); });
    document.getElementById("p-pair").addEventListener("click", togglePair);
    document.getElementById("p-clear").addEventListener("click", clearAll);
    document.getElementById("p-full").addEventListener("click", fullscreen);
    document.getElementById("p-projector").addEventListener("click", function (e) {
      e.preventDefault();
      openProjector();
    });
    document.getElementById("p-search").addEventListener("submit", function (e) {
      e.preventDefault();
      var q = document.getElementById("p-q").value.trim();
      var box = document.getElementById("p-results");
      if (!q) { box.replaceChildren(); show({ q: "" }); return; }
      fetch(config.search_url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          var list = document.createElement("ol");
          (d.hits || []).forEach(function (h) {
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.type = "button"; b.className = "plink"; b.dataset.bl = h.but_luc; b.dataset.q = q;
            b.textContent = h.title;
            var snip = document.createElement("div");
            snip.className = "psnip";
            snip.innerHTML = h.snippet; // server-escaped, only <mark> added
            li.appendChild(b); li.appendChild(snip); list.appendChild(li);
          });
          var head = document.createElement("p");
          head.textContent = (d.total || 0) + " trang khớp “" + q + "”";
          box.replaceChildren(head, list);
        });
    });
    document.getElementById("pside").addEventListener("click", function (e) {
      var b = e.target.closest && e.target.closest(".plink");
      if (!b) return;
      var changes = { but_luc: parseInt(b.dataset.bl, 10), zoom: null, marks: [], mode: "single", second: null };
      if (b.dataset.q !== undefined) changes.q = b.dataset.q;
      if (b.dataset.index !== undefined) at = parseInt(b.dataset.index, 10); // an item of the playlist
      show(changes);
    });
    document.addEventListener("keydown", function (e) {
      var typing = e.target && (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA");
      if (typing) { if (e.key === "Escape") e.target.blur(); return; }
      // Ctrl/Alt/⌘ combinations belong to the browser (Ctrl+F find, Ctrl+P print, Alt+← back).
      if (e.ctrlKey || e.altKey || e.metaKey) return;
      if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") { e.preventDefault(); step(1); }
      else if (e.key === "ArrowLeft" || e.key === "PageUp") { e.preventDefault(); step(-1); }
      else if (e.key === "g" || e.key === "G") { e.preventDefault(); document.getElementById("p-bl").select(); }
      else if (/^[0-9]$/.test(e.key) && e.key !== "2") { var i = document.getElementById("p-bl"); i.value = ""; i.focus(); }
      else if (e.key === "/") { e.preventDefault(); document.getElementById("p-q").focus(); }
      else if (e.key === "z" || e.key === "Z") setTool("zoom");
      else if (e.key === "h" || e.key === "H") setTool("mark");
      else if (e.key === "2") togglePair();
      else if (e.key === "Escape") clearAll();
      else if (e.key === "f" || e.key === "F") fullscreen();
      else if (e.key === "p" || e.key === "P") openProjector();
    });
    show({});
  }

  function togglePair() {
    if (state.mode === "pair") show({ mode: "single", second: null });
    else show({ mode: "pair", second: Math.min(config.max, state.but_luc + 1), zoom: null });
  }
  function clearAll() { tool = null; document.body.dataset.tool = ""; show({ zoom: null, marks: [], q: "" }); }
  // F (or the full-screen button; a double click on the projector) enters or leaves full screen. A browser may refuse
  // (a policy, an embedding page): the presenter is told instead of an error in the console.
  function fullscreen() {
    var refused = function () { say("Trình duyệt không cho phép toàn màn hình (thử phím F11)"); };
    var request = document.fullscreenElement ? document.exitFullscreen()
      : document.documentElement.requestFullscreen ? document.documentElement.requestFullscreen() : null;
    if (request && request.catch) request.catch(refused);
    else if (!request) refused();
  }
  document.addEventListener("fullscreenchange", function () {
    var on = !!document.fullscreenElement;
    document.body.dataset.fullscreen = on ? "on" : "";
    var button = document.getElementById("p-full");
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  });

  // P (or "Màn chiếu"): the projector window. Opened once; pressed again, the open window is
  // brought to the front as it is (not reloaded). A blocked popup is explained.
  var projectorWindow = null;
  function openProjector() {
    if (projectorWindow && !projectorWindow.closed) { projectorWindow.focus(); return; }
    projectorWindow = window.open(config.projector_url, "desk-projector", "popup,width=1280,height=800");
    if (!projectorWindow) say("Trình duyệt đã chặn cửa sổ màn chiếu: hãy cho phép cửa sổ bật lên cho trang này");
  }

  // ---------------- projector ----------------
  function projector() {
    var busy = false;
    function poll() {
      if (busy) return;
      busy = true;
      fetch(config.state_url + "?v=" + version, { credentials: "same-origin", headers: { "X-Desk-Background": "1" } })
        .then(function (r) { if (!r.ok) throw new Error("Mất quyền xem hoặc phiên đã kết thúc"); return r.json(); })
        .then(function (d) {
          if (!d.changed) return null;
          state = d.state; version = d.version; window.deskPresent.version = version;
          return fetchAndRender(d);
        })
        .then(function () { say(""); }, function (err) { say(err.message); })
        .then(function () { busy = false; });
    }
    poll();
    setInterval(poll, 400);
    document.addEventListener("keydown", function (e) {
      if (!(e.ctrlKey || e.altKey || e.metaKey) && (e.key === "f" || e.key === "F")) fullscreen();
    });
    stage.addEventListener("dblclick", fullscreen);
  }

  if (mode === "presenter") presenter(); else projector();
})();
