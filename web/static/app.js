// carecast pages: optional progress updates for a running run. Everything works without this
// script (the progress page then reloads itself every few seconds).
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) return;
  var status = box.getAttribute("data-status");
  if (status !== "queued" && status !== "running") return;
  var id = box.getAttribute("data-run");
  var bar = document.getElementById("run-bar");
  var pct = document.getElementById("run-percent");
  var st = document.getElementById("run-status");
  var lastAnnounced = -1;
  function show(s, p) {
    var v = Math.round(p * 100);
    if (bar) bar.value = v;
    if (st) st.textContent = s;
    // Announce in steps of 10% so that screen readers are not flooded.
    if (pct && (Math.floor(v / 10) !== Math.floor(lastAnnounced / 10) || v === 100)) {
      pct.textContent = v + "% done";
      lastAnnounced = v;
    }
  }
  function finished() { window.location.reload(); }
  function poll() {
    fetch("/runs/" + encodeURIComponent(id) + "/status", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        show(j.status, j.progress);
        if (j.status === "queued" || j.status === "running") setTimeout(poll, 1500);
        else finished();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (!window.EventSource) { poll(); return; }
  var es = new EventSource("/runs/" + encodeURIComponent(id) + "/events");
  es.addEventListener("progress", function (e) {
    try { var d = JSON.parse(e.data); show(d.status, d.progress); } catch (err) { /* ignore */ }
  });
  es.addEventListener("end", function () { es.close(); finished(); });
  es.onerror = function () { es.close(); poll(); };
})();

// The scenario form's "other areas" field: suggest area names (those of the area list) for the
// entry being typed after the last comma. Without this script the field takes typed names.
(function () {
  var input = document.getElementById("f-more_areas");
  var list = document.getElementById("more-areas-list");
  var select = document.getElementById("f-area");
  if (!input || !list || !select) return;
  var names = [];
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value) names.push(select.options[i].text);
  }
  input.addEventListener("input", function () {
    var v = input.value, cut = v.lastIndexOf(",");
    var prefix = cut < 0 ? "" : v.slice(0, cut + 1) + " ";
    var q = v.slice(cut + 1).trim().toLowerCase();
    list.textContent = "";
    if (q.length < 2) return;
    var shown = 0;
    for (var j = 0; j < names.length && shown < 10; j++) {
      if (names[j].toLowerCase().indexOf(q) < 0) continue;
      var o = document.createElement("option");
      o.value = prefix + names[j];
      list.appendChild(o);
      shown++;
    }
  });
})();
