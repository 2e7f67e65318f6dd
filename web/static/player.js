// Player helpers: WAV fallback for browsers without Ogg Opus, and channel solo through
// Web Audio (split the stereo file, send one channel to both ears). No inline script: CSP.
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
})();
