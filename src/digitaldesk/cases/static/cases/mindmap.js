// Pan and zoom of the server-generated mind map (SVG viewBox); no library needed.
(function () {
  "use strict";
  function init() {
    var wrap = document.getElementById("mindmap");
    if (!wrap) { return; }
    var svg = wrap.querySelector("svg");
    if (!svg) { return; }
    var base = svg.getAttribute("viewBox").split(/\s+/).map(Number);
    var view = base.slice();
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    function apply() { svg.setAttribute("viewBox", view.join(" ")); }
    function zoom(factor, cx, cy) {
      var nx = cx - (cx - view[0]) * factor, ny = cy - (cy - view[1]) * factor;
      view = [nx, ny, view[2] * factor, view[3] * factor];
      apply();
    }
    function centre() { return [view[0] + view[2] / 2, view[1] + view[3] / 2]; }
    wrap.addEventListener("wheel", function (event) {
      event.preventDefault();
      var rect = svg.getBoundingClientRect();
      var cx = view[0] + (event.clientX - rect.left) / rect.width * view[2];
      var cy = view[1] + (event.clientY - rect.top) / rect.height * view[3];
      zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
    }, { passive: false });
    var drag = null;
    wrap.addEventListener("pointerdown", function (event) {
      drag = { x: event.clientX, y: event.clientY, view: view.slice() };
      wrap.setPointerCapture(event.pointerId);
    });
    wrap.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      var rect = svg.getBoundingClientRect();
      var scale = Math.max(view[2] / rect.width, view[3] / rect.height);
      view = [drag.view[0] - (event.clientX - drag.x) * scale, drag.view[1] - (event.clientY - drag.y) * scale,
              view[2], view[3]];
      apply();
    });
    wrap.addEventListener("pointerup", function () { drag = null; });
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var action = button.getAttribute("data-zoom"), c = centre();
        if (action === "in") { zoom(1 / 1.25, c[0], c[1]); }
        else if (action === "out") { zoom(1.25, c[0], c[1]); }
        else { view = base.slice(); apply(); }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
