// Player helpers: WAV fallback for browsers without Ogg Opus, channel solo through
// Web Audio (split the stereo file, send one channel to both ears), and the audit beacon:
// each stretch heard (play → pause, seek, end or leaving the page) is posted to
// data-played as {fromS, toS}. No inline script: CSP.
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
