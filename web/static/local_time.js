// Shows every <time data-local datetime="…UTC ISO…"> in the browser's time zone; the UTC
// time stays in the title (shown on hover). Re-run by other scripts after they replace
// content: window.selrecLocalTimes(root). No inline script: CSP.
"use strict";
(function () {
  const OPTS = {
    datetime: { dateStyle: "medium", timeStyle: "medium" },
    date: { dateStyle: "medium" },
    time: { timeStyle: "medium" },
  };
  function localize(root) {
    (root || document).querySelectorAll("time[data-local][datetime]").forEach((el) => {
      const d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      const opts = OPTS[el.dataset.local] || OPTS.datetime;
      el.textContent = new Intl.DateTimeFormat(undefined, opts).format(d);
      el.dataset.localized = "1";
    });
  }
  globalThis.selrecLocalTimes = localize;
  localize(document);
})();
