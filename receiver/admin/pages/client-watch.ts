// The page script's watch card: a deploy's watch events (at least every 5 s) bring its
// numbers up to date in place, worded as watch-format.ts words them on the server. A
// watch the panel does not show yet (it just began, or its canary became the watch)
// has the status panel fetched again, which draws the card.
export const CLIENT_WATCH = `
  const percent = (x) => Math.round(x * 10000) / 100 + "%";
  const many = (n, one) => n + " " + one + (n === 1 ? "" : "s");
  const answersText = (c) =>
    many(c.requests, "answer") + ", " + many(c.errors, "error") + (c.requests ? " (" + percent(c.errors / c.requests) + ")" : "");
  const seconds = (ms) => {
    const s = Math.floor(ms / 1000);
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  };

  function watchLive(section, deployId, w) {
    const card = section.querySelector("[data-watch]");
    if (!card || card.dataset.deployId !== deployId || card.dataset.step !== w.step) return refresh(section.dataset.app);
    const field = (name) => card.querySelector("[data-watch-" + name + "]");
    field("counts").textContent = answersText(w.counts);
    field("baseline").textContent = answersText(w.baseline);
    if (w.share !== undefined && field("share")) field("share").textContent = percent(w.share) + " of clients on the new build";
    field("progress").max = w.forMs || 1;
    field("progress").value = w.elapsedMs;
    field("elapsed").textContent = seconds(w.elapsedMs) + " of " + seconds(w.forMs);
  }
`;
