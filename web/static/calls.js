// Live calls: every 2 s the table body is replaced by the server's rows (/calls/rows,
// rendered and escaped on the server, same scope rule as the page); every second the
// durations and auto-resume countdowns tick. No inline script: CSP.
"use strict";
(function () {
  const table = document.getElementById("calls");
  if (!table) return;
  const body = table.tBodies[0];
  const count = document.getElementById("call-count");
  const updated = document.getElementById("calls-updated");
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const ss = String(r).padStart(2, "0");
    return h > 0 ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
  }
  function tick() {
    const now = Date.now();
    body.querySelectorAll("[data-since]").forEach((el) => {
      el.textContent = clock((now - Date.parse(el.dataset.since)) / 1000);
    });
    body.querySelectorAll("[data-until]").forEach((el) => {
      el.textContent = clock((Date.parse(el.dataset.until) - now) / 1000);
    });
  }
  function summary() {
    const rows = body.querySelectorAll("tr[data-call]");
    const recorded = body.querySelectorAll('tr[data-recorded="true"]').length;
    const text = rows.length + " active calls, " + recorded + " recorded";
    if (count && count.textContent !== text) count.textContent = text;
  }
  async function refresh() {
    try {
      const res = await fetch(table.dataset.rows, { credentials: "same-origin" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      body.innerHTML = await res.text();
      if (globalThis.selrecLocalTimes) globalThis.selrecLocalTimes(body);
      summary();
      tick();
      if (updated) updated.textContent = "Updated " + new Date().toLocaleTimeString() + ".";
    } catch (_err) {
      if (updated) updated.textContent = "Cannot refresh: retrying.";
    }
  }
  setInterval(tick, 1000);
  setInterval(refresh, 2000);
})();
