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

  // The header's menu is a <details> that works alone; this closes it as a menu should: on Escape
  // (focus goes back to its summary), and when focus or a click goes elsewhere.
  function closeMenus(except, refocus) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (except && menu.contains(except)) return;
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (refocus && hadFocus) menu.querySelector("summary").focus();
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null, true);
  });
  document.addEventListener("focusin", function (event) { closeMenus(event.target, false); });
  document.addEventListener("click", function (event) { closeMenus(event.target, false); });

  document.addEventListener("DOMContentLoaded", function () {
    enableCopyButtons(document);
    markBrokenImages(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { enableCopyButtons(event.target); });
})();
