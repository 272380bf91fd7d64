import { Hono } from "hono";
import { isDeepStrictEqual } from "node:util";
import { createAdmin } from "../admin/create-admin.js";
import { apiErrors } from "../api/api-errors.js";
import { createApi } from "../api/create-api.js";
import { HttpError } from "../http-error.js";
import { createLegacy } from "../legacy/create-legacy.js";
import type { Log } from "../log.js";
import { Metrics } from "../metrics/metrics.js";
import type { Receiver } from "../receiver.js";
import { errorResponse } from "./error-response.js";
import type { HttpEnv } from "./http-env.js";

const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

// Everything the receiver's listener serves (docs/design.md §4): /healthz for a
// load balancer, /metrics when on, the API v1, the admin page under /admin when
// the config turns it on, and the seed's links of legacy apps under /{app}/.
// Each surface answers its own refusals; a path none of them takes is the API's 404.
// A config reload builds it again (docs/design.md §7) with the `kept` parts of the last
// build: the metrics keep counting (a counter must never go back) and the admin page
// keeps its sessions and the sign-outs it has revoked while its settings are the same.
export function createHttp(receiver: Receiver, log: Log, kept: HttpParts = {}): Hono<HttpEnv> {
  const http = new Hono<HttpEnv>();
  const errors = apiErrors(log);
  http.get("/healthz", (c) => c.json({ ok: true }));
  if (receiver.config.metrics) {
    const metrics = (kept.metrics ??= new Metrics(receiver));
    metrics.follow(); // apps a reload added
    http.get("/metrics", (c) => c.text(metrics.render(), 200, { "content-type": PROMETHEUS_TEXT }));
  }
  http.route("/v1", createApi(receiver, log));
  // Before the legacy links, whose /{app}/{link} would take /admin/login too.
  const settings = receiver.config.admin;
  if (settings) {
    if (!kept.admin || !isDeepStrictEqual(kept.admin.settings, settings))
      kept.admin = { settings, app: createAdmin(receiver) };
    http.route("/admin", kept.admin.app);
  }
  http.route("/", createLegacy(receiver));
  http.notFound((c) =>
    errorResponse(
      new HttpError(404, "ERR_NOT_FOUND", "no such route; see the HTTP API in the README"),
      c,
      errors,
    ),
  );
  http.onError((error, c) => errorResponse(error, c, errors));
  return http;
}

/** What one build of the HTTP app hands to the next (a reload's). */
export interface HttpParts {
  metrics?: Metrics;
  admin?: { settings: unknown; app: Hono<HttpEnv> };
}
