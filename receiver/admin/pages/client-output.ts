// The Output view's script: follows the app's lines from the live feed the dashboard
// uses (/admin/events, here with ?output=APP: "line" events, and "dropped" when the page
// read too slowly), appends them as text, keeps the newest MAX_ROWS, and scrolls to the
// end while the view is at the end. Unticking Follow closes the feed.
export const CLIENT_OUTPUT = `"use strict";
(() => {
  const MAX_ROWS = 2000;
  const base = document.body.dataset.base;
  const panel = document.querySelector("[data-output-app]");
  const app = panel.dataset.outputApp;
  const body = panel.querySelector("[data-output]");
  const state = panel.querySelector("[data-follow-state]");
  const box = panel.querySelector("[data-follow]");
  const cell = (text, cls) => {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    return td;
  };
  const atEnd = () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  function add(tr) {
    const follow = atEnd();
    body.append(tr);
    while (body.rows.length > MAX_ROWS) body.deleteRow(0);
    if (follow) window.scrollTo(0, document.body.scrollHeight);
  }
  function line(l) {
    const tr = document.createElement("tr");
    tr.className = l.stream;
    tr.append(cell(l.time.slice(11, 23), "mono"), cell("#" + l.instance, "mono"), cell(l.stream), cell(l.line, "mono line"));
    add(tr);
  }
  function dropped(d) {
    const tr = document.createElement("tr");
    tr.className = "dropped";
    tr.append(cell(d.time.slice(11, 23), "mono"), cell(""), cell(""), cell(d.dropped + " line(s) not shown: this page read too slowly"));
    add(tr);
  }
  let feed;
  function follow(on) {
    if (feed) feed.close();
    feed = undefined;
    state.textContent = on ? "following" : "paused";
    state.className = "pill " + (on ? "running" : "");
    if (!on) return;
    feed = new EventSource(base + "/events?output=" + encodeURIComponent(app));
    feed.addEventListener("line", (e) => line(JSON.parse(e.data)));
    feed.addEventListener("dropped", (e) => dropped(JSON.parse(e.data)));
    feed.addEventListener("error", () => {
      if (feed && feed.readyState === EventSource.CLOSED) {
        state.textContent = "offline";
        state.className = "pill failed";
      }
    });
  }
  box.addEventListener("change", () => follow(box.checked));
  follow(box.checked);
})();
`;
