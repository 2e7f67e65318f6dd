// Fills in a search's total when the server answered the page before its count finished.
"use strict";
(function () {
  const el = document.getElementById("result-count");
  const url = el && el.getAttribute("data-count-url");
  if (!url) return;
  fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((r) => r.ok ? r.json() : null)
    .then((c) => {
      if (!c) return;
      const n = c.capped ? c.total.toLocaleString("en") + "+" : String(c.total);
      el.textContent = n + " recordings";
      el.removeAttribute("data-count-url");
    })
    .catch(() => {});
})();
