// Twiza's own script, kept small: time-coded transcripts that follow the player, and the teacher's
// selection (kept in this browser only, shared as a link). Pages work without it.
(function () {
  "use strict";

  // Transcripts: highlight the segment being played; a click on a segment's time seeks there.
  document.querySelectorAll("ol.transcript").forEach(function (list) {
    var player = document.querySelector('[data-player="' + list.dataset.for + '"]');
    if (!player) return;
    var segments = Array.prototype.slice.call(list.querySelectorAll("li[data-start]"));
    player.addEventListener("timeupdate", function () {
      var t = player.currentTime;
      segments.forEach(function (li) {
        var active = t >= parseFloat(li.dataset.start) && t < parseFloat(li.dataset.end);
        li.classList.toggle("active", active);
        if (active) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
      });
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button.seek");
      if (!button) return;
      player.currentTime = parseFloat(button.dataset.start);
      player.play();
    });
  });

  // The selection: a list of item identifiers in localStorage.
  var KEY = "twiza.selection";
  function read() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function write(ids) { localStorage.setItem(KEY, JSON.stringify(ids)); render(); }
  function render() {
    var ids = read();
    document.querySelectorAll("[data-select]").forEach(function (button) {
      var chosen = ids.indexOf(button.dataset.select) >= 0;
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
    });
    document.querySelectorAll("[data-selection-count]").forEach(function (el) { el.textContent = ids.length; });
    document.querySelectorAll("a[data-selection-link]").forEach(function (a) {
      a.href = a.dataset.selectionLink + (ids.length ? "?ids=" + encodeURIComponent(ids.join(",")) : "");
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-select]");
    if (!button) return;
    var ids = read(), id = button.dataset.select, at = ids.indexOf(id);
    if (at >= 0) ids.splice(at, 1); else ids.push(id);
    write(ids);
  });
  var adopt = document.querySelector("[data-adopt-selection]");
  if (adopt) adopt.addEventListener("click", function () { write(adopt.dataset.adoptSelection.split(",").filter(Boolean)); });
  render();

  // Autocomplete: words of the archive that start with what is typed (only from items one may see).
  var box = document.querySelector("input[data-autocomplete]");
  if (box && window.fetch) {
    var list = document.getElementById(box.getAttribute("list")), timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      var prefix = box.value.split(/\s+/).pop();
      if (prefix.length < 2) return;
      timer = setTimeout(function () {
        fetch(box.dataset.autocomplete + "?q=" + encodeURIComponent(prefix)).then(function (r) { return r.json(); })
          .then(function (data) {
            var head = box.value.slice(0, box.value.length - prefix.length);
            list.innerHTML = "";
            data.suggestions.forEach(function (word) {
              var option = document.createElement("option");
              option.value = head + word;
              list.appendChild(option);
            });
          }).catch(function () {});
      }, 150);
    });
  }

  // The item editor: each value's direction and language follow its language tag; rows are added by
  // cloning the last (empty) one; the Tifinagh keyboard types into the last field that had the focus.
  var RTL_SCRIPTS = /-(Arab|Hebr)\b|^(ar|ary|arq|aeb|mey|he)$/i;
  function followTag(row) {
    var picker = row.querySelector(".lang-picker"), field = row.querySelector("[data-tifinagh-target]");
    if (!picker || !field) return;
    var tag = picker.value.trim();
    if (tag) { field.lang = tag; field.dir = RTL_SCRIPTS.test(tag) ? "rtl" : "ltr"; }
    else { field.removeAttribute("lang"); field.dir = "auto"; }
  }
  document.querySelectorAll(".multilingual").forEach(function (set) {
    set.addEventListener("input", function (event) {
      if (event.target.classList.contains("lang-picker")) followTag(event.target.closest("[data-row]"));
    });
    var add = set.querySelector("[data-add-row]");
    if (!add) return;
    add.hidden = false;
    add.addEventListener("click", function () {
      var rows = set.querySelectorAll("[data-row]"), last = rows[rows.length - 1];
      var copy = last.cloneNode(true), next = rows.length;
      copy.querySelectorAll("input, textarea, label").forEach(function (el) {
        ["id", "name", "for"].forEach(function (attribute) {
          var value = el.getAttribute(attribute);
          if (value) el.setAttribute(attribute, value.replace(/-\d+-/, "-" + next + "-"));
        });
        if (el.tagName !== "LABEL") el.value = "";
      });
      last.after(copy);
      followTag(copy);
      copy.querySelector(".lang-picker").focus();
    });
  });

  var keyboard = document.querySelector("[data-tifinagh-keyboard]");
  if (keyboard) {
    var target = null;
    keyboard.hidden = false;
    document.addEventListener("focusin", function (event) {
      if (event.target.matches("[data-tifinagh-target]")) target = event.target;
    });
    keyboard.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the field's focus
    keyboard.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key || !target) return;
      var start = target.selectionStart, end = target.selectionEnd, text = key.dataset.key;
      target.value = target.value.slice(0, start) + text + target.value.slice(end);
      target.selectionStart = target.selectionEnd = start + text.length;
      target.dispatchEvent(new Event("input", { bubbles: true }));
      target.focus();
    });
  }

  // The annotation editor: a region drawn on the image (Annotorious) or a time span marked on the player
  // fills the selector field of the new annotation, which can also be typed.
  var newLayer = document.querySelector("form[data-new-layer]");
  var newSelector = newLayer && newLayer.querySelector("[data-selector]");
  var image = document.querySelector("img[data-annotate]");
  if (image && newSelector && window.Annotorious) {
    var start = function () {
      var annotator = Annotorious.createImageAnnotator(image, { drawingEnabled: true });
      var toRegion = function (annotation) {
        var g = annotation.target.selector.geometry;
        newSelector.value = "xywh=" + [g.x, g.y, g.w, g.h].map(Math.round).join(",");
        newSelector.dispatchEvent(new Event("input", { bubbles: true }));
      };
      try { annotator.setAnnotations(JSON.parse(image.dataset.regions || "[]").map(function (selector, index) {
        var v = selector.slice(5).split(",").map(Number), id = "saved-" + index;
        return { id: id, bodies: [], target: { annotation: id, selector: { type: "RECTANGLE", geometry: {
          x: v[0], y: v[1], w: v[2], h: v[3], bounds: { minX: v[0], minY: v[1], maxX: v[0] + v[2], maxY: v[1] + v[3] } } } } };
      })); } catch (e) { /* the saved regions are listed below the image in any case */ }
      annotator.on("createAnnotation", toRegion);
      annotator.on("updateAnnotation", toRegion);
    };
    if (image.complete) start(); else image.addEventListener("load", start);
  }
  var player = document.querySelector("[data-layer-player]"), marks = document.querySelector("[data-marks]");
  if (player && marks && newSelector) {
    var span = [null, null];
    marks.hidden = false;
    marks.addEventListener("click", function (event) {
      var mark = event.target.closest("[data-mark]");
      if (!mark) return;
      var t = Math.round(player.currentTime * 100) / 100;
      if (mark.dataset.mark === "start") span = [t, span[1] !== null && span[1] > t ? span[1] : null];
      else span = [span[0] !== null ? span[0] : 0, t];
      newSelector.value = "t=" + span[0] + "," + (span[1] !== null ? span[1] : "");
    });
  }
})();
