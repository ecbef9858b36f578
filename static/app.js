// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Mobile navigation toggle.
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Forms that change something irreversible ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
  // Arrow keys move between items that offer it (e.g. previous/next indicator).
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var link = document.querySelector('a[data-key="' + event.key + '"]');
    if (link) {
      window.location.href = link.href;
    }
  });
})();
// Evidence uploads: drag and drop, a progress bar, and auto-submit of "new version" pickers.
(function () {
  "use strict";
  document.querySelectorAll("input.auto-submit").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.files && input.files.length) input.form.submit();
    });
  });
  document.querySelectorAll("form.upload-form").forEach(function (form) {
    var zone = form.querySelector(".dropzone");
    var input = form.querySelector('input[type="file"]');
    var bar = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    if (zone && input) {
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        if (e.dataTransfer && e.dataTransfer.files.length) {
          input.files = e.dataTransfer.files;
          status.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join("、");
        }
      });
    }
    if (!window.XMLHttpRequest || !window.FormData || !bar) return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      var button = form.querySelector('button[type="submit"]');
      xhr.open("POST", form.action);
      // Tells the server to answer a refused upload (too large, stalled, storage full)
      // with a JSON message instead of a page.
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      bar.hidden = false;
      status.textContent = form.getAttribute("data-uploading") || "";
      button.disabled = true;
      // Keeps the form (and what was typed) and says what went wrong.
      var fail = function (message) {
        button.disabled = false;
        bar.hidden = true;
        status.textContent = message || form.getAttribute("data-failed") || "";
        status.setAttribute("role", "alert");
      };
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) {
          bar.value = Math.round((ev.loaded / ev.total) * 100);
          status.textContent = (form.getAttribute("data-uploading") || "") + " " + bar.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        // Success ends in a redirect to the task page; a refusal returns the page with
        // its messages and the typed fields, shown as it is; a refused request a JSON
        // message. An empty answer is never written over the page.
        if (xhr.status < 400 && xhr.responseURL) {
          window.location.href = xhr.responseURL;
          return;
        }
        var type = xhr.getResponseHeader("Content-Type") || "";
        if (type.indexOf("application/json") === 0) {
          var message = "";
          try { message = JSON.parse(xhr.responseText).message || ""; } catch (err) { message = ""; }
          fail(message);
        } else if (type.indexOf("text/html") === 0 && xhr.responseText.trim()) {
          document.open();
          document.write(xhr.responseText);
          document.close();
        } else {
          fail("");
        }
      });
      xhr.addEventListener("error", function () { fail(""); });
      xhr.addEventListener("abort", function () { fail(""); });
      xhr.send(new FormData(form));
    });
  });
})();
// Scoring: j / k move between evidence rows, Enter opens the focused row's preview,
// and the print button prints the report.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll(".review-row"));
  if (rows.length) {
    var at = -1;
    var hash = window.location.hash.slice(1);
    rows.forEach(function (row, i) { if (row.id === hash) at = i; });
    var focus = function (i) {
      if (i < 0 || i >= rows.length) return;
      if (at >= 0) rows[at].classList.remove("current");
      at = i;
      rows[at].classList.add("current");
      rows[at].focus();
      rows[at].scrollIntoView({ block: "nearest" });
    };
    if (at >= 0) focus(at);
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName))) return;
      if (event.key === "j") { focus(at + 1); event.preventDefault(); }
      else if (event.key === "k") { focus(Math.max(at - 1, 0)); event.preventDefault(); }
      else if (event.key === "Enter" && at >= 0) {
        var link = rows[at].querySelector(".preview-link") || rows[at].querySelector("a[download]");
        if (link) { link.click(); event.preventDefault(); }
      }
    });
  }
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
