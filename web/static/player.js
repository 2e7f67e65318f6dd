// Player helpers: WAV fallback for browsers without Ogg Opus, channel solo through
// Web Audio (split the stereo file, send one channel to both ears), playback speed, the
// waveform as a seek slider (time axis, playhead, click to seek, arrow keys ±5 s,
// Home/End) and the audit beacon: each stretch heard (play → pause, seek, end or leaving
// the page) is posted to data-played as {fromS, toS}. No inline script: CSP.
"use strict";
(function () {
  const audio = document.getElementById("player");
  if (!audio) return;
  if (audio.canPlayType('audio/ogg; codecs="opus"') === "" && audio.dataset.wav) {
    audio.src = audio.dataset.wav;
  }
  let graph = null;
  function build() {
    const ctx = new AudioContext();
    const src = ctx.createMediaElementSource(audio);
    const split = ctx.createChannelSplitter(2);
    const merge = ctx.createChannelMerger(2);
    const gains = [ctx.createGain(), ctx.createGain()];
    src.connect(split);
    // channel c → gain c → both output channels
    gains.forEach((g, c) => {
      split.connect(g, c);
      g.connect(merge, 0, 0);
      g.connect(merge, 0, 1);
    });
    merge.connect(ctx.destination);
    return { ctx, gains };
  }
  function solo(which) {
    graph = graph || build();
    if (graph.ctx.state === "suspended") graph.ctx.resume();
    graph.gains.forEach((g, c) => {
      g.gain.value = which === "both" ? 0.5 : (String(c) === which ? 1 : 0);
    });
    document.querySelectorAll("[data-solo]").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.solo === which));
    });
  }
  document.querySelectorAll("[data-solo]").forEach((b) => {
    b.addEventListener("click", () => solo(b.dataset.solo));
  });
  const speed = document.getElementById("speed");
  if (speed) {
    speed.addEventListener("change", () => {
      audio.playbackRate = Number(speed.value) || 1;
    });
  }
  waveform();

  function waveform() {
    const box = document.getElementById("waveform");
    if (!box) return;
    const img = box.querySelector("img");
    const head = box.querySelector(".playhead");
    const axis = box.querySelector(".wave-axis");
    const fallback = Number(box.dataset.durationMs) / 1000 || 0;
    const total = () =>
      Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : fallback;
    const fmt = (t) => {
      const s = Math.max(0, Math.round(t));
      return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    };
    function drawAxis() {
      const d = total();
      axis.textContent = "";
      if (!(d > 0)) return;
      const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
      const step = steps.find((s) => d / s <= 8) || 7200;
      for (let t = 0; t <= d + 1e-6; t += step) {
        const tick = document.createElement("span");
        tick.textContent = fmt(t);
        tick.style.left = (t / d) * 100 + "%";
        axis.appendChild(tick);
      }
      box.setAttribute("aria-valuemax", String(Math.round(d)));
    }
    function show() {
      const d = total(), t = audio.currentTime;
      head.style.left = d > 0 ? Math.min(100, (t / d) * 100) + "%" : "0";
      box.setAttribute("aria-valuenow", String(Math.round(t)));
      box.setAttribute("aria-valuetext", fmt(t) + " of " + fmt(d));
    }
    function seek(t) {
      const d = total();
      audio.currentTime = Math.max(0, Math.min(d > 0 ? d : t, t));
      show();
    }
    box.addEventListener("click", (e) => {
      const r = img.getBoundingClientRect();
      if (r.width <= 0) return;
      seek(((e.clientX - r.left) / r.width) * total());
    });
    box.addEventListener("keydown", (e) => {
      const moves = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5 };
      if (e.key in moves) seek(audio.currentTime + moves[e.key]);
      else if (e.key === "Home") seek(0);
      else if (e.key === "End") seek(total());
      else return;
      e.preventDefault();
    });
    audio.addEventListener("timeupdate", show);
    audio.addEventListener("seeked", show);
    audio.addEventListener("loadedmetadata", () => {
      drawAxis();
      show();
    });
    drawAxis();
    show();
  }

  const csrf = document.querySelector('meta[name="csrf-token"]');
  let from = null, last = 0;
  function report() {
    if (from === null || !audio.dataset.played || !csrf) return;
    const span = { fromS: from, toS: Math.max(from, last) };
    from = null;
    if (span.toS - span.fromS < 0.05) return;
    fetch(audio.dataset.played, {
      method: "POST",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf.content },
      body: JSON.stringify(span),
    }).catch(() => {/* best effort: the /audio request is audited anyway */});
  }
  audio.addEventListener("playing", () => {
    if (from === null) from = last = audio.currentTime;
  });
  audio.addEventListener("timeupdate", () => {
    if (from !== null && !audio.seeking) last = audio.currentTime;
  });
  audio.addEventListener("seeking", report);
  audio.addEventListener("seeked", () => {
    if (!audio.paused) from = last = audio.currentTime;
  });
  audio.addEventListener("pause", report);
  audio.addEventListener("ended", () => {
    last = audio.currentTime;
    report();
  });
  addEventListener("pagehide", report);
})();
