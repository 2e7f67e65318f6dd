// Fills in a search's total when the server answered the page before its count finished.
(function () {
  "use strict";
  var el = document.getElementById("result-count");
  var url = el && el.getAttribute("data-count-url");
  if (!url) return;
  fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (r) {
      return r.ok ? r.json() : null;
    })
    .then(function (c) {
      if (!c) return;
      var n = c.capped ? c.total.toLocaleString("en") + "+" : String(c.total);
      el.textContent = n + " recordings";
      el.removeAttribute("data-count-url");
    })
    .catch(function () {});
})();
