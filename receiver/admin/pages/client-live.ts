// The page script's live view: the steps of every operation of every app as they
// happen, from /admin/events, drawn like the workflow log; watch events update the
// watch card (client-watch.ts); the result line ends it and brings the app's status
// panel up to date. The same feed's "state" events redraw the gate card and the servers
// table (live-state.tsx), and a running operation is named in the banner at the top of
// the page, whichever app it is and however far down the page that app is.
export const CLIENT_LIVE = `
  // The journal's words for how an operation ended, here as in the history.
  const outcomeOf = (r) => (r.ok ? "ok" : r.rolledBack ? "rolled-back" : "failed");

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
      : r.op + " " + outcomeOf(r) + ": " + r.error.message + (r.rolledBack && v ? " (" + v + " serves again)" : "");
    const li = el("li", "result " + (r.ok ? "ok" : "failed"));
    li.append(el("span", "icon"), el("span", "name", "result"), el("span", "ms"), el("span", "message", text));
    list.append(li);
  }

  // The banner: one line per app with an operation running, and its outcome for a while after.
  const bannerBox = document.querySelector("[data-banner]");
  function banner(app, deployId, op, text, state) {
    if (!bannerBox) return;
    let line = Array.from(bannerBox.children).find((c) => c.dataset.app === app);
    if (!line) {
      line = el("div", "banner-line");
      line.dataset.app = app;
      const link = el("a", "", op + " of " + app);
      link.href = "#app-" + app;
      line.append(el("span", "pill"), " ", link, " ", el("span", "what"));
      bannerBox.append(line);
    }
    clearTimeout(line.timer);
    line.dataset.deployId = deployId;
    line.querySelector("a").textContent = op + " of " + app;
    line.querySelector(".pill").className = "pill " + state;
    line.querySelector(".pill").textContent = state;
    line.querySelector(".what").textContent = text;
    bannerBox.hidden = false;
    if (state !== "running") {
      line.timer = setTimeout(() => {
        line.remove();
        bannerBox.hidden = bannerBox.children.length === 0;
      }, 15000);
    }
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
    if (event.type === "step") {
      stepLine(list, event);
      banner(app, deployId, op, event.step + (event.state === "start" ? " \\u2026" : " " + event.state), "running");
    } else if (event.type === "log") {
      const li = el("li", "log " + event.level);
      li.append(el("span", "icon"), el("span", "name", event.level), el("span", "ms"), el("span", "message", event.message));
      list.append(li);
    } else if (event.type === "progress") {
      stepLine(list, { step: "upload", state: "start", message: event.received + " of " + event.total + " bytes" });
      banner(app, deployId, op, "upload " + Math.floor((100 * event.received) / (event.total || 1)) + "%", "running");
    } else if (event.type === "watch") {
      watchLive(section, deployId, event);
    } else if (event.type === "result") {
      resultLine(list, event);
      const outcome = outcomeOf(event);
      state.textContent = outcome;
      state.className = "pill " + outcome;
      section.dataset.ended = deployId;
      uploadDone(section, deployId);
      banner(app, deployId, op, event.ok ? "" : event.error.message, outcome);
      refresh(app);
    }
  }

  // The gate card and servers table as the receiver has them now; a reload's running
  // step shows the last health answers of the servers it waits for.
  function showState(s) {
    const section = sectionOf(s.app);
    if (!section) return;
    for (const [part, selector] of [["gate", "[data-card=gate]"], ["servers", "[data-table=servers]"]]) {
      const node = section.querySelector(selector);
      if (node && node.dataset.drawn !== s[part]) {
        const fresh = document.createRange().createContextualFragment(s[part]).firstElementChild;
        fresh.dataset.drawn = s[part];
        node.replaceWith(fresh);
      }
    }
    const waiting = Array.from(section.querySelectorAll("[data-live] li.step.start")).find(
      (li) => li.dataset.step === "reload" || li.dataset.step === "start",
    );
    if (waiting && s.probing) waiting.querySelector(".message").textContent = "health: " + s.probing;
  }

  const feed = new EventSource(base + "/events");
  feed.addEventListener("op", (e) => show(JSON.parse(e.data)));
  feed.addEventListener("state", (e) => showState(JSON.parse(e.data)));
  feed.addEventListener("error", () => {
    if (feed.readyState === EventSource.CLOSED) document.body.classList.add("offline");
  });
`;
