// numgate console: the playground's decision follows its form as the form changes, and
// the request made can be copied as JSON or as a curl command. Every page works without
// this script: the form then posts and the server renders the same page.
(function () {
  "use strict";

  var form = document.querySelector("form[data-live-form]");
  if (form) {
    follow(form);
    keepFormAcrossLanguage(form);
  }
  bindCopyButtons();

  // keepFormAcrossLanguage: choosing the messages' language on a playground would load
  // the page afresh and lose what was typed; the choice is saved, then the form itself
  // is submitted, so the same request is decided again in the new language.
  function keepFormAcrossLanguage(form) {
    var lang = document.querySelector("form.lang");
    if (!lang) {
      return;
    }
    lang.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(lang.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(lang)),
        credentials: "same-origin"
      }).then(function () {
        form.submit();
      }, function () {
        lang.submit();
      });
    });
  }

  // follow sends the form, 300 ms after the last change, to the page it posts to, and
  // shows the decision the server renders: the result panel and the messages at each
  // input. What the user is typing is never replaced; an answer older than the one
  // shown is dropped.
  function follow(form) {
    var timer = null;
    var sent = 0;
    var shown = 0;
    var schedule = function (event) {
      if (event.target && event.target.type === "submit") {
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(send, 300);
    };
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);

    function send() {
      var mine = ++sent;
      var result = document.getElementById("result");
      if (result) {
        result.setAttribute("aria-busy", "true");
      }
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      }).then(function (html) {
        if (mine < shown) {
          return;
        }
        shown = mine;
        swap(new DOMParser().parseFromString(html, "text/html"));
        document.documentElement.setAttribute("data-decided", String(mine));
        announce();
      }).catch(function (err) {
        var box = document.getElementById("form-msg");
        if (box) {
          box.textContent = "The decision could not be updated (" + err.message + "); press Decide to see why.";
        }
      }).then(function () {
        var now = document.getElementById("result");
        if (now && mine >= sent) {
          now.removeAttribute("aria-busy");
        }
      });
    }
  }

  // announce tells a screen reader the new status: the result panel is replaced whole,
  // which a live region inside it would not announce.
  function announce() {
    var live = document.getElementById("live-status");
    var status = document.getElementById("status");
    if (live && status) {
      live.textContent = "Decision: " + status.textContent;
    }
  }

  // swap puts the server's fresh rendering of every live region (the result and each
  // input's messages) in place, and carries each input's validity over.
  function swap(doc) {
    doc.querySelectorAll("[data-live]").forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (old) {
        old.replaceWith(document.importNode(fresh, true));
      }
    });
    doc.querySelectorAll("[data-pointer][id]").forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (!old) {
        return;
      }
      ["aria-invalid", "data-invalid"].forEach(function (name) {
        if (fresh.hasAttribute(name)) {
          old.setAttribute(name, fresh.getAttribute(name));
        } else {
          old.removeAttribute(name);
        }
      });
    });
    bindCopyButtons();
  }

  // bindCopyButtons shows the copy buttons (hidden without script) and copies the text of
  // the element each names, with the clipboard API where the page may use it, or by
  // selecting the text and the copy command where not (plain HTTP to another host).
  function bindCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      if (button.getAttribute("data-bound")) {
        return;
      }
      button.setAttribute("data-bound", "1");
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) {
          return;
        }
        var status = button.parentNode.querySelector(".copied");
        var done = function () {
          if (status) {
            status.textContent = button.textContent.replace("Copy", "Copied") + ".";
          }
        };
        var select = function () {
          var range = document.createRange();
          range.selectNodeContents(source);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          try {
            if (document.execCommand("copy")) {
              done();
              return;
            }
          } catch (e) {
            // fall through: the text stays selected for the user to copy
          }
          if (status) {
            status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
          }
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.textContent).then(done, select);
        } else {
          select();
        }
      });
    });
  }
}());
