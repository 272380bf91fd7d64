import { Hono } from "hono";
import { errorResponse } from "../http/error-response.js";
import { createLog } from "../log.js";
import type { Receiver } from "../receiver.js";
import type { HttpEnv } from "../http/http-env.js";
import { adminErrors } from "./admin-errors.js";
import { adminHeaders } from "./middleware/admin-headers.js";
import { checkCsrf } from "./middleware/check-csrf.js";
import { findApp } from "./middleware/find-app.js";
import { limitLogins } from "./middleware/limit-logins.js";
import { readSession } from "./middleware/read-session.js";
import { requireSignIn } from "./middleware/require-sign-in.js";
import { ADMIN_OPERATIONS } from "./operations/admin-operations.js";
import { endWatchFromAdmin } from "./operations/end-watch-from-admin.js";
import { holdByHand } from "./operations/hold-by-hand.js";
import { reloadFromAdmin, upgradeFromAdmin } from "./operations/receiver-lifecycle.js";
import { startFromAdmin } from "./operations/start-from-admin.js";
import { RateMeter } from "./rate-meter.js";
import { liveEvents } from "./routes/live-events.js";
import { showLogin, signIn, signOut } from "./routes/login.js";
import { appPanel, dashboard, logPage, outputPage } from "./routes/pages.js";
import { loadSessionKey } from "./session/session-key.js";
import { Sessions } from "./session/sessions.js";

// The Module Administration page, mounted at /admin by http/create-http.ts when the
// config has an `admin` key: sign-in, the dashboard, the live feed, and every
// action as a form behind a session and its CSRF token.
export function createAdmin(receiver: Receiver): Hono<HttpEnv> {
  const settings = receiver.config.admin;
  if (!settings) throw new Error("createAdmin needs the config's admin key (admin.passwordHash)");
  const key = loadSessionKey(receiver.config.data, settings.passwordHash);
  const sessions = new Sessions(key, settings.sessionTtl);
  const meter = new RateMeter(receiver);
  const page = requireSignIn("redirect");
  const call = requireSignIn("401");
  const csrf = checkCsrf();
  const app = findApp(receiver);
  const admin = new Hono<HttpEnv>();
  admin.use("*", adminHeaders(), readSession(sessions));

  admin.get("/login", showLogin(sessions));
  admin.post(
    "/login",
    limitLogins(receiver.clientAddress),
    csrf,
    signIn(sessions, settings.passwordHash),
  );
  admin.post("/logout", call, csrf, signOut(sessions));

  admin.get("/", page, dashboard(receiver, meter));
  admin.get("/apps/:app", page, app, appPanel(meter));
  admin.get("/apps/:app/output", page, app, outputPage());
  admin.get("/log/:deployId", page, logPage(receiver));
  admin.get("/events", call, liveEvents(receiver, meter));

  for (const [name, build] of Object.entries(ADMIN_OPERATIONS))
    admin.post(`/apps/:app/${name}`, call, csrf, app, startFromAdmin(build));
  admin.post("/reload", call, csrf, reloadFromAdmin(receiver, createLog("admin")));
  admin.post("/upgrade", call, csrf, upgradeFromAdmin(receiver));
  admin.post("/apps/:app/hold", call, csrf, app, holdByHand("hold"));
  admin.post("/apps/:app/release", call, csrf, app, holdByHand("release"));
  admin.post("/apps/:app/promote", call, csrf, app, endWatchFromAdmin("promoted"));
  admin.post("/apps/:app/abort", call, csrf, app, endWatchFromAdmin("aborted"));

  const errors = adminErrors(createLog("admin"));
  admin.onError((error, c) => errorResponse(error, c, errors));
  return admin;
}
