// The IIIF viewer of an item page: Mirador (from npm, served by the archive itself) on the item's manifest,
// with the annotations panel open. Its script weighs megabytes, so it is fetched when the visitor opens the
// viewer. Without JavaScript the page's own figures show the media.
(function () {
  "use strict";
  var section = document.querySelector("[data-viewer]");
  if (!section) return;
  var button = section.querySelector("button.open-viewer");
  var frame = document.getElementById("iiif-viewer");
  section.hidden = false;

  function open() {
    var language = (document.documentElement.lang || "fr").split("-")[0];
    frame.classList.add("open");
    window.Mirador.viewer({
      id: frame.id,
      language: ["fr", "ar", "en"].indexOf(language) >= 0 ? language : "fr",
      windows: [{ manifestId: section.dataset.manifest }],
      window: { allowClose: false, allowMaximize: false, sideBarOpen: true, defaultSideBarPanel: "annotations" },
      // Transcriptions and translations (supplementing) are listed too: a recording's text is its annotations.
      annotations: { filteredMotivations: ["commenting", "tagging", "supplementing", "describing", "identifying",
                                           "oa:commenting", "oa:tagging"] },
      workspace: { allowNewWindows: false },
      workspaceControlPanel: { enabled: false },
    });
    button.hidden = true;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    if (window.Mirador) return open();
    var script = document.createElement("script");
    script.src = section.dataset.script;
    script.onload = open;
    script.onerror = function () { button.disabled = false; };
    document.head.appendChild(script);
  });
})();
