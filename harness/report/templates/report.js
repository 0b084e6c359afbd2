/* Inference contract report: filter box, status checkboxes, copy buttons, failure links. No network. */
(function () {
  "use strict";
  var doc = document;
  var toolbar = doc.getElementById("toolbar");
  var box = doc.getElementById("filter");
  var shown = doc.getElementById("shown");
  var boxes = Array.prototype.slice.call(doc.querySelectorAll("input[data-outcome]"));
  var rows = Array.prototype.slice.call(doc.querySelectorAll("tr.rule"));
  var groups = Array.prototype.slice.call(doc.querySelectorAll("tr.group"));
  var failures = Array.prototype.slice.call(doc.querySelectorAll("details.failure"));
  var failPanel = doc.getElementById("failures");
  var noMatch = doc.getElementById("no-match");
  var matrix = doc.querySelector("table.matrix");

  function enabledOutcomes() {
    var on = {};
    boxes.forEach(function (b) { on[b.getAttribute("data-outcome")] = b.checked; });
    return on;
  }

  function apply() {
    var q = (box.value || "").trim().toLowerCase();
    var terms = q ? q.split(/\s+/) : [];
    var on = enabledOutcomes();
    var visible = 0;
    function matches(text) {
      for (var i = 0; i < terms.length; i++) { if (text.indexOf(terms[i]) < 0) { return false; } }
      return true;
    }
    // "not applicable" unticked collapses those cells (CSS, body.show-na) without hiding their rows, unless
    // another outcome is unticked too: then only rows with a ticked outcome stay.
    var narrowed = boxes.some(function (b) {
      return b.getAttribute("data-outcome") !== "not_applicable" && !b.checked;
    });
    doc.body.classList.toggle("show-na", on.not_applicable === true);
    rows.forEach(function (row) {
      var any = false;
      row.querySelectorAll("td.c[data-o]").forEach(function (cell) {
        var o = cell.getAttribute("data-o");
        var ok = on[o] !== false;
        cell.classList.toggle("dim", !ok && o !== "not_applicable");
        if (ok || (o === "not_applicable" && !narrowed)) { any = true; }
      });
      var show = any && matches(row.getAttribute("data-search") || "");
      row.hidden = !show;
      if (show) { visible += 1; }
    });
    groups.forEach(function (g) {
      var name = g.getAttribute("data-group");
      var any = rows.some(function (r) { return !r.hidden && r.getAttribute("data-group") === name; });
      g.hidden = !any;
    });
    var shownFailures = 0;
    failures.forEach(function (d) {
      var show = on.failed !== false && matches(d.getAttribute("data-search") || "");
      d.hidden = !show;
      if (show) { shownFailures += 1; }
    });
    if (failPanel) { failPanel.hidden = on.failed === false; }
    if (noMatch) { noMatch.hidden = visible !== 0; }
    shown.textContent = "Showing " + visible + " of " + rows.length + " rules" +
      (failures.length ? ", " + shownFailures + " of " + failures.length + " failures" : "");
  }

  function openFromHash() {
    var id = decodeURIComponent((location.hash || "").slice(1));
    if (!id) { return; }
    var target = doc.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.classList.add("flash");
      setTimeout(function () { target.classList.remove("flash"); }, 1600);
    }
  }

  function copyText(text, button) {
    function done(ok) {
      button.textContent = ok ? "Copied" : "Select + copy";
      button.classList.toggle("done", ok);
      setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 1500);
    }
    function fallback() {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
      doc.body.removeChild(area);
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  doc.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (button) {
      var source = doc.getElementById(button.getAttribute("data-copy"));
      if (source) { copyText(source.textContent, button); }
      return;
    }
    var tool = event.target.closest ? event.target.closest("button[data-expand]") : null;
    if (tool) {
      var open = tool.getAttribute("data-expand") === "open";
      failures.forEach(function (d) { if (!d.hidden) { d.open = open; } });
    }
  });

  function measure() {
    // The matrix's header rows stick under the page header, the second right under the first.
    var top = doc.querySelector("header.top");
    var sticky = top && getComputedStyle(top).position === "sticky";
    doc.documentElement.style.setProperty("--top-h", (sticky ? top.getBoundingClientRect().height : 0) + "px");
    var first = matrix ? matrix.querySelector("thead tr") : null;
    if (first) { matrix.style.setProperty("--svc-row", first.getBoundingClientRect().height + "px"); }
  }
  box.addEventListener("input", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  window.addEventListener("hashchange", openFromHash);
  toolbar.hidden = false;
  measure();
  window.addEventListener("resize", measure);
  apply();
  openFromHash();
  doc.body.setAttribute("data-ready", "1");
})();
