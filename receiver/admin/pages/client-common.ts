// The page script's shared part: where the admin lives, the session's token,
// an app's section, and fetching an app's status panel again (after an
// operation, and every 10 s while the page is visible).
export const CLIENT_COMMON = `
  const base = document.body.dataset.base;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const sectionOf = (app) => document.querySelector('section.app[data-app="' + CSS.escape(app) + '"]');
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const signIn = () => location.assign(base + "/login");

  async function refresh(app) {
    const section = sectionOf(app);
    if (!section) return;
    try {
      const res = await fetch(base + "/apps/" + encodeURIComponent(app), { headers: { accept: "text/html" } });
      if (res.redirected || res.status === 401) return signIn();
      if (res.ok) section.querySelector("[data-panel]").innerHTML = await res.text();
    } catch (_) {
      /* the receiver is restarting: the next refresh will tell */
    }
  }

  function notice(section, text, failed) {
    const box = section.querySelector("[data-notice]");
    box.textContent = text || "";
    box.className = "notice" + (failed ? " failed" : "");
    box.hidden = !text;
  }

  function answer(status, text) {
    let body = {};
    try { body = JSON.parse(text); } catch (_) { /* not JSON */ }
    if (status === 401) signIn();
    if (status < 200 || status > 299) throw new Error(body.error ? body.error.message : "HTTP " + status);
    return body;
  }

  setInterval(() => {
    if (document.visibilityState !== "visible") return;
    document.querySelectorAll("section.app").forEach((s) => refresh(s.dataset.app));
  }, 10000);
`;
