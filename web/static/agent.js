// Agent page: refresh the call state every few seconds so pause state and auto-resume show.
"use strict";
(function () {
  const box = document.getElementById("call-state");
  if (!box) return;
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const res = await fetch("/agent/state", { headers: { Accept: "application/json" } });
      if (!res.ok) return;
      const s = await res.json();
      const text = s.call ? (s.call.paused ? "Recording paused" : "Recording") : "No active call";
      if (box.dataset.state !== text) location.reload();
    } catch (_) { /* offline: try again */ }
  }, 5000);
})();
