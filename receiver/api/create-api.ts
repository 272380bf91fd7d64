import { Hono, type Context } from "hono";
import { createAdmin } from "../admin/create-admin.js";
import { HttpError } from "../http-error.js";
import { createLegacy } from "../legacy/create-legacy.js";
import { Metrics } from "../metrics/metrics.js";
import type { Receiver } from "../receiver.js";
import { rollbackOperation } from "../runtime/rollback-operation.js";
import { swapOperation } from "../runtime/swap-operation.js";
import { uploadOperation } from "../runtime/upload-operation.js";
import type { ApiEnv } from "./api-env.js";
import { authenticate } from "./authenticate.js";
import { errorResponse } from "./error-response.js";
import { streamedRun } from "./streamed-run.js";

// The HTTP API v1 of docs/design.md §4: every route but /healthz behind a token for its
// own operation; the admin page under /admin when the config turns it on.
export function createApi(receiver: Receiver, log: (message: string) => void): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  const upload = (op: "deploy" | "upload") => (c: Context<ApiEnv>) =>
    streamedRun(
      c,
      uploadOperation(c.var.runtime, op, {
        body: c.env.incoming,
        contentType: c.req.header("content-type"),
        contentLength: c.req.header("content-length"),
        sha256: c.var.principal.sha256,
      }),
    );
  api.get("/healthz", (c) => c.json({ ok: true }));
  if (receiver.config.metrics) {
    const metrics = new Metrics(receiver);
    api.get("/metrics", (c) =>
      c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
    );
  }
  api.get("/v1/apps/:app", authenticate(receiver, "status"), async (c) =>
    c.json(await c.var.runtime.status()),
  );
  api.post("/v1/apps/:app/deploy", authenticate(receiver, "deploy"), upload("deploy"));
  api.post("/v1/apps/:app/upload", authenticate(receiver, "upload"), upload("upload"));
  api.post("/v1/apps/:app/swap", authenticate(receiver, "swap"), (c) =>
    streamedRun(c, swapOperation(c.var.runtime)),
  );
  api.post("/v1/apps/:app/rollback", authenticate(receiver, "rollback"), (c) =>
    streamedRun(c, rollbackOperation(c.var.runtime, c.req.query("to"))),
  );
  if (receiver.config.admin) api.route("/admin", createAdmin(receiver));
  api.route("/", createLegacy(receiver));
  api.notFound((c) =>
    errorResponse(
      new HttpError(404, "ERR_NOT_FOUND", "no such route; see the HTTP API in the README"),
      c,
      log,
    ),
  );
  api.onError((error, c) => errorResponse(error, c, log));
  return api;
}
