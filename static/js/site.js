// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // "Copy BibTeX" buttons are hidden until JavaScript can make them work.
  function enableCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copyTarget);
        var status = button.parentElement.querySelector(".copy-status");
        navigator.clipboard.writeText(source.textContent).then(
          function () { if (status) status.textContent = "Copied to the clipboard."; },
          function () { if (status) status.textContent = "Copy failed: select the text and copy it by hand."; }
        );
      });
    });
  }

  // Thumbnails and avatars come from Hugging Face's CDNs: hide the ones that fail to load.
  document.addEventListener("error", function (event) {
    if (event.target.tagName === "IMG") event.target.classList.add("is-broken");
  }, true);

  function markBrokenImages(root) {
    root.querySelectorAll("img").forEach(function (img) {
      if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) img.classList.add("is-broken");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableCopyButtons(document);
    markBrokenImages(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { enableCopyButtons(event.target); });
})();
