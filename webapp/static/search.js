/* Tra cứu: small progressive enhancements. Every page works without this file.
   - On phones the filter column sits above the results, folded under "Bộ lọc".
   - On the search page, results update while typing (after a pause): the page's own HTML is
     fetched and its <main> swapped in, the address bar follows (history.replaceState, so the
     URL stays shareable and Back still leaves the search), and the count is announced. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 760px)") : { matches: false };
  var OPEN_KEY = "tracuu-filters-open";

  function foldFilters() {
    var panel = document.querySelector(".facet-panel");
    if (!panel) return;
    var keep = false;
    try { keep = sessionStorage.getItem(OPEN_KEY) === "1"; sessionStorage.removeItem(OPEN_KEY); } catch (e) { /* private mode */ }
    if (narrow.matches && !keep) panel.removeAttribute("open");
    else panel.setAttribute("open", "");
  }

  function announce(text) {
    var live = document.getElementById("live");
    if (live) live.textContent = text;
  }

  function init() {
    foldFilters();
    if (narrow.addEventListener) {
      narrow.addEventListener("change", function () {
        var panel = document.querySelector(".facet-panel");
        if (panel && !narrow.matches) panel.setAttribute("open", "");
      });
    }
    // A filter picked on a phone: keep the panel open on the next page, to pick another.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(".facet-panel a");
      if (link && narrow.matches) {
        try { sessionStorage.setItem(OPEN_KEY, "1"); } catch (e) { /* ignore */ }
      }
    });
    if (document.body.classList.contains("page-search")) liveSearch();
  }

  function liveSearch() {
    var form = document.querySelector("form.searchbar");
    var input = document.getElementById("q");
    if (!form || !input || !window.fetch || !window.DOMParser || !history.replaceState) return;
    var timer = null, controller = null, last = input.value.trim(), composing = false;

    function run() {
      var q = input.value.trim();
      if (q === last || (q.length > 0 && q.length < 2)) return;
      last = q;
      var params = new URLSearchParams(new FormData(form));
      params.delete("page");
      var url = form.getAttribute("action") + "?" + params.toString();
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      document.body.classList.add("loading");
      fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin", signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          if (input.value.trim() !== q) return; // typed on since: a newer request is coming
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("main");
          var main = document.querySelector("main");
          if (!fresh || !main) return;
          main.innerHTML = fresh.innerHTML;
          document.title = doc.title;
          ["link[rel=alternate][type='application/atom+xml']", "link[rel=alternate][type='application/json']"].forEach(function (sel) {
            var mine = document.querySelector(sel), theirs = doc.querySelector(sel);
            if (mine && theirs) mine.setAttribute("href", theirs.getAttribute("href"));
          });
          history.replaceState(null, "", url);
          foldFilters();
          var count = document.getElementById("result-count");
          announce(count ? count.textContent.replace(/\s+/g, " ").trim() : "");
        })
        .catch(function () { /* aborted or offline: the form still submits normally */ })
        .then(function () { document.body.classList.remove("loading"); });
    }

    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () { composing = false; schedule(); });
    input.addEventListener("input", function (event) { if (!composing && !event.isComposing) schedule(); });
    form.addEventListener("submit", function () { clearTimeout(timer); if (controller) controller.abort(); });

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, 400);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
