// The page script's live view: the steps of every operation of every app as
// they happen, from /admin/events, drawn like the workflow log; watch events update
// the watch card (client-watch.ts); the result line ends it and brings the app's
// status panel up to date.
export const CLIENT_LIVE = `
  function stepLine(list, event) {
    const rows = list.querySelectorAll('li[data-step="' + event.step + '"]');
    let li = rows[rows.length - 1];
    if (!li || (event.state === "start" && !li.classList.contains("start"))) {
      li = el("li");
      li.dataset.step = event.step;
      li.append(el("span", "icon"), el("span", "name", event.step), el("span", "ms"), el("span", "message"));
      list.append(li);
    }
    li.className = "step " + event.state;
    li.querySelector(".ms").textContent = event.ms === undefined ? "" : event.ms + " ms";
    li.querySelector(".message").textContent = event.message || (event.state === "start" ? "\\u2026" : "");
  }

  function resultLine(list, r) {
    const v = r.version ? r.version.version || r.version.sha256.slice(0, 12) : "";
    const text = r.ok
      ? r.op + " ok" + (v ? ": " + v : "") + " \\u00B7 hold " + r.holdMs + " ms \\u00B7 total " + r.durationMs + " ms"
      : r.op + " failed: " + r.error.message + (r.rolledBack ? " (rolled back)" : "");
    const li = el("li", "result " + (r.ok ? "ok" : "failed"));
    li.append(el("span", "icon"), el("span", "name", "result"), el("span", "ms"), el("span", "message", text));
    list.append(li);
  }

  function show({ app, deployId, op, event }) {
    const section = sectionOf(app);
    if (!section || event.type === "heartbeat") return;
    const live = section.querySelector("[data-live]");
    const list = live.querySelector("ol");
    const state = live.querySelector("[data-live-state]");
    if (live.dataset.deployId !== deployId) {
      live.dataset.deployId = deployId;
      live.hidden = false;
      live.querySelector("[data-live-title]").textContent = op + " " + deployId;
      live.querySelector("[data-live-log]").href = base + "/log/" + encodeURIComponent(deployId);
      state.textContent = "running";
      state.className = "pill running";
      list.replaceChildren();
    }
    if (event.type === "step") stepLine(list, event);
    else if (event.type === "log") {
      const li = el("li", "log " + event.level);
      li.append(el("span", "icon"), el("span", "name", event.level), el("span", "ms"), el("span", "message", event.message));
      list.append(li);
    } else if (event.type === "progress") {
      stepLine(list, { step: "upload", state: "start", message: event.received + " of " + event.total + " bytes" });
    } else if (event.type === "watch") {
      watchLive(section, deployId, event);
    } else if (event.type === "result") {
      resultLine(list, event);
      state.textContent = event.ok ? "ok" : "failed";
      state.className = "pill " + (event.ok ? "ok" : "failed");
      refresh(app);
    }
  }

  const feed = new EventSource(base + "/events");
  feed.addEventListener("op", (e) => show(JSON.parse(e.data)));
  feed.addEventListener("error", () => {
    if (feed.readyState === EventSource.CLOSED) document.body.classList.add("offline");
  });
`;
