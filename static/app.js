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
    var input = form.querySelector('input[type="file"]:not(.camera-input)');
    var bar = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    // A photo taken with the phone's camera (its own input) is enough to upload.
    var camera = form.querySelector("input.camera-input");
    if (camera && input) {
      camera.addEventListener("change", function () {
        if (camera.files && camera.files.length) {
          input.required = false;
          status.textContent = Array.prototype.map.call(camera.files, function (f) { return f.name; }).join("、");
        }
      });
    }
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
    // 类别 per file: once files are chosen, each gets its own select (the batch's 类别
    // until changed), sent as file_kind in the order the files go.
    var kinds = form.querySelector("fieldset.file-kinds");
    var batch = form.querySelector('select[name="kind"]');
    var listFiles = function () {
      if (!kinds || !batch) return;
      var list = kinds.querySelector("ol");
      var chosen = [];
      [input, camera].forEach(function (field) {
        if (field && field.files) Array.prototype.forEach.call(field.files, function (f) { chosen.push(f.name); });
      });
      list.textContent = "";
      chosen.forEach(function (name) {
        var item = document.createElement("li");
        var label = document.createElement("label");
        var title = document.createElement("span");
        title.className = "file-name";
        title.textContent = name;
        var select = batch.cloneNode(true);
        select.name = "file_kind";
        select.removeAttribute("id");
        select.value = batch.value;
        select.addEventListener("change", function () { select.setAttribute("data-chosen", "1"); });
        label.appendChild(title);
        label.appendChild(document.createTextNode(" " + (kinds.getAttribute("data-label") || "") + " "));
        label.appendChild(select);
        item.appendChild(label);
        list.appendChild(item);
      });
      kinds.hidden = chosen.length === 0;
    };
    if (batch && kinds) {
      batch.addEventListener("change", function () {
        kinds.querySelectorAll('select[name="file_kind"]:not([data-chosen])').forEach(function (s) { s.value = batch.value; });
      });
    }
    [input, camera].forEach(function (field) { if (field) field.addEventListener("change", listFiles); });
    if (zone && input) zone.addEventListener("drop", function () { window.setTimeout(listFiles, 0); });
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
        // Success answers with where to go ({"location", "message"}: the page then shows
        // the confirmation); a refusal returns the page with its messages and the typed
        // fields, shown as it is; a refused request a JSON message. An empty answer is
        // never written over the page.
        var type = xhr.getResponseHeader("Content-Type") || "";
        if (type.indexOf("application/json") === 0) {
          var answer = {};
          try { answer = JSON.parse(xhr.responseText) || {}; } catch (err) { answer = {}; }
          if (xhr.status < 400 && answer.location) {
            bar.value = 100;
            status.textContent = answer.message || "";
            var target = new URL(answer.location, window.location.href);
            var here = window.location;
            if (target.pathname === here.pathname && target.search === here.search) {
              // Only the #fragment differs: assigning it would scroll, not load the page.
              history.replaceState(null, "", target.href);
              here.reload();
            } else {
              here.href = target.href;
            }
            return;
          }
          fail(answer.message || "");
        } else if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== form.action) {
          // Forms answered with a redirect: the browser goes where it led.
          window.location.href = xhr.responseURL;
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
    if (hash === "first") at = 0;
    if (hash === "last") at = rows.length - 1;
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
      // At the end of a page, j and k go on to the next or previous page of files.
      var pageLink = function (rel, hash) {
        var link = document.querySelector('.review-pager a[rel="' + rel + '"]');
        if (!link) return false;
        window.location.href = link.href.replace(/#.*$/, "") + hash;
        return true;
      };
      if (event.key === "j") {
        if (at + 1 >= rows.length && pageLink("next", "#first")) { event.preventDefault(); return; }
        focus(at + 1); event.preventDefault();
      }
      else if (event.key === "k") {
        if (at <= 0 && pageLink("prev", "#last")) { event.preventDefault(); return; }
        focus(Math.max(at - 1, 0)); event.preventDefault();
      }
      else if (event.key === "Enter" && at >= 0) {
        var link = rows[at].querySelector(".preview-link") || rows[at].querySelector("a[download]");
        if (link) { link.click(); event.preventDefault(); }
      }
    });
  }
  // Marks save in place: the form is sent with fetch and the row shows the result, so
  // marking twenty files needs no reload. Without script the form posts and reloads.
  if (window.fetch) {
    document.querySelectorAll(".mark-form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !button.name) return;
        event.preventDefault();
        var body = new URLSearchParams(new FormData(form));
        body.set(button.name, button.value);
        var row = form.closest(".review-row");
        var state = row ? row.querySelector(".mark-state") : null;
        fetch(form.action, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (res) {
          return res.json().then(function (data) { return { ok: res.ok, data: data }; },
            function () { return { ok: false, data: {} }; });
        }).then(function (r) {
          if (!state) return;
          state.textContent = "";
          if (r.ok && r.data.ok) {
            var badge = document.createElement("span");
            badge.className = "badge " + (r.data.sufficient ? "badge-ok" : "badge-off");
            badge.textContent = r.data.label;
            state.appendChild(badge);
            state.appendChild(document.createTextNode(" " + (r.data.remark || "") + " "));
            var who = document.createElement("span");
            who.className = "muted";
            who.textContent = r.data.marked_by || "";
            state.appendChild(who);
            row.classList.remove("mark-ok", "mark-bad");
            row.classList.add(r.data.sufficient ? "mark-ok" : "mark-bad");
          } else {
            var error = document.createElement("span");
            error.className = "badge badge-off";
            error.setAttribute("role", "alert");
            error.textContent = (r.data && r.data.message) || form.getAttribute("data-failed") || "";
            state.appendChild(error);
          }
        }).catch(function () {
          if (state) state.textContent = form.getAttribute("data-failed") || "";
        });
      });
    });
  }
  document.querySelectorAll(".review-filters select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

// The inspection record (on a phone at the point): the text is saved as a draft while
// the inspector types, with the version it was based on; the position and the start time
// are filled in when the browser gives them; each photo uploads on its own with a
// progress bar and a retry, and a photo the browser cannot show itself (HEIC outside
// Safari) gets a JPEG preview drawn here when the browser can decode it.
(function () {
  var form = document.getElementById("record-form");
  if (!form || form.getAttribute("data-autosave") !== "true" || !window.fetch) return;
  var status = document.getElementById("save-status");
  var version = form.querySelector('input[name="version"]');
  var started = form.querySelector('input[name="started_at"]');
  if (started && !started.value) started.value = new Date().toISOString();
  var timer = null, saving = false, again = false;
  var say = function (text) { if (status) status.textContent = text; };
  var save = function () {
    if (saving) { again = true; return; }
    saving = true;
    say(form.getAttribute("data-saving") || "");
    var body = new URLSearchParams(new FormData(form));
    body.set("action", "save");
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      // A refusal may come as a page (e.g. no longer allowed): say it failed.
      return res.json().catch(function () {
        return { message: form.getAttribute("data-failed") || "" };
      }).then(function (data) { return { ok: res.ok, data: data }; });
    }).then(function (r) {
      if (r.ok) { version.value = r.data.version; }
      say(r.data.message || "");
    }).catch(function () {
      // Offline or a dropped connection: keep the text, try again on the next change.
      say(form.getAttribute("data-offline") || "");
    }).then(function () {
      saving = false;
      if (again) { again = false; schedule(); }
    });
  };
  var schedule = function () { clearTimeout(timer); timer = setTimeout(save, 1500); };
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.querySelectorAll("[data-confirm-click]").forEach(function (button) {
    button.addEventListener("click", function (e) {
      if (!window.confirm(button.getAttribute("data-confirm-click"))) e.preventDefault();
    });
  });
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector('input[name="latitude"]').value = pos.coords.latitude;
      form.querySelector('input[name="longitude"]').value = pos.coords.longitude;
      form.querySelector('input[name="accuracy"]').value = Math.round(pos.coords.accuracy);
      schedule();
    }, function () {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
})();

(function () {
  var strings = document.getElementById("photo-strings");
  if (!strings || !window.XMLHttpRequest || !window.FormData) return;
  var text = function (name) { return strings.getAttribute("data-" + name) || ""; };
  // A JPEG of at most 1600 px, when the browser can decode the photo; else null.
  var previewOf = function (file, done) {
    if (!window.createImageBitmap || /^image\/(jpeg|png|webp)$/.test(file.type)) return done(null);
    createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { done(blob); }, "image/jpeg", 0.85);
    }).catch(function () { done(null); });
  };
  var send = function (form, file, row) {
    var bar = row.querySelector("progress");
    var label = row.querySelector(".state");
    var retry = row.querySelector("button");
    retry.hidden = true;
    bar.hidden = false;
    label.textContent = "";
    previewOf(file, function (preview) {
      var data = new FormData();
      var finding = form.querySelector('input[name="finding"]');
      if (finding) data.append("finding", finding.value);
      data.append("taken_at", new Date(file.lastModified || Date.now()).toISOString());
      data.append("photo", file, file.name || "photo.jpg");
      if (preview) data.append("preview", preview, "preview.jpg");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) bar.value = Math.round((ev.loaded / ev.total) * 100);
      });
      var fail = function (message) {
        bar.hidden = true;
        label.textContent = message || text("failed");
        label.setAttribute("role", "alert");
        retry.hidden = false;
      };
      xhr.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.hidden = true;
          label.textContent = answer.message || text("done");
          row.classList.add("done");
        } else {
          fail(answer.message);
        }
      });
      xhr.addEventListener("error", function () { fail(""); });
      xhr.addEventListener("abort", function () { fail(""); });
      xhr.send(data);
    });
  };
  document.querySelectorAll("form.photo-form").forEach(function (form) {
    var input = form.querySelector("input.photo-input");
    var list = form.querySelector("ul.uploads");
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) {
        var row = document.createElement("li");
        row.innerHTML = '<span class="name"></span> <progress max="100" value="0"></progress> <span class="state"></span> <button type="button" class="link" hidden></button>';
        row.querySelector(".name").textContent = file.name;
        var retry = row.querySelector("button");
        retry.textContent = text("retry");
        retry.addEventListener("click", function () { send(form, file, row); });
        list.appendChild(row);
        send(form, file, row);
      });
      input.value = "";
    });
  });
})();

// Evidence previews. On an item page, 预览 opens the file's preview in a panel under its
// row (the page's body only, `?fragment=1`) instead of a new tab; a second click closes
// it; the sheet tabs inside it reload the panel. Without script the link opens the
// preview page. A HEIC photo the browser cannot decode is replaced by its note.
(function () {
  "use strict";
  var heicFallback = function (root) {
    root.querySelectorAll("img.preview-image[data-heic]").forEach(function (img) {
      img.addEventListener("error", function () { img.hidden = true; });
      if (img.complete && img.naturalWidth === 0) img.hidden = true;
    });
  };
  heicFallback(document);
  if (!window.fetch) return;
  var load = function (panel, url) {
    panel.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        // The fragment is the server's own escaped HTML (no scripts run from it).
        panel.innerHTML = html;
        panel.removeAttribute("aria-busy");
        heicFallback(panel);
        var first = panel.querySelector("#m1");
        if (first) first.scrollIntoView({ block: "nearest" });
      })
      .catch(function () {
        panel.removeAttribute("aria-busy");
        panel.textContent = panel.getAttribute("data-failed") || "";
      });
  };
  document.querySelectorAll("a.preview-link[data-fragment]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) return;
      event.preventDefault();
      var row = link.closest("li") || link.parentNode;
      var open = row.querySelector(".preview-panel");
      document.querySelectorAll(".preview-panel").forEach(function (p) { p.remove(); });
      document.querySelectorAll("a.preview-link[aria-expanded='true']").forEach(function (l) {
        l.setAttribute("aria-expanded", "false");
      });
      if (open) return;
      var panel = document.createElement("div");
      panel.className = "preview-panel";
      panel.setAttribute("data-failed", link.getAttribute("data-failed") || "");
      row.appendChild(panel);
      link.setAttribute("aria-expanded", "true");
      panel.addEventListener("click", function (e) {
        var tab = e.target.closest && e.target.closest(".sheet-tabs a");
        if (!tab) return;
        e.preventDefault();
        load(panel, tab.getAttribute("href") + "&fragment=1");
      });
      load(panel, link.getAttribute("data-fragment"));
    });
  });
})();
// The main menu's groups: one open at a time, closed by a click elsewhere or Escape.
(function () {
  "use strict";
  var groups = document.querySelectorAll(".nav-group");
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (!group.open) return;
      groups.forEach(function (other) { if (other !== group) other.open = false; });
    });
  });
  document.addEventListener("click", function (event) {
    groups.forEach(function (group) { if (group.open && !group.contains(event.target)) group.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") groups.forEach(function (group) { group.open = false; });
  });
})();
// 大屏: the body is fetched again every `data-refresh` seconds and swapped in place, so a
// wall screen follows the work without reloading (a failed fetch keeps the last figures).
(function () {
  "use strict";
  var body = document.getElementById("screen-body");
  if (!body || !window.fetch) return;
  var every = Math.max(5, parseInt(body.getAttribute("data-refresh"), 10) || 60) * 1000;
  var refresh = function () {
    fetch(body.getAttribute("data-src"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      // A session that ended answers with the login page: keep the figures, not that.
      .then(function (r) { return r.ok && !r.redirected ? r.text() : Promise.reject(r.status); })
      .then(function (html) { body.innerHTML = html; body.setAttribute("data-refreshed", String(Date.now())); })
      .catch(function () { /* keep the figures shown */ });
  };
  window.setInterval(refresh, every);
  var full = document.querySelector(".screen-full");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () { document.documentElement.requestFullscreen(); });
  }
})();
