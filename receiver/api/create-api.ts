import { Hono } from "hono";
import { createAdmin } from "../admin/create-admin.js";
import type { Receiver } from "../receiver.js";
import type { ApiEnv } from "./api-env.js";
import { authenticate } from "./authenticate.js";
import { errorResponse } from "./error-response.js";
import { HttpError } from "../http-error.js";
import { rollbackRoute, swapRoute } from "./swap-route.js";
import { uploadRoute } from "./upload-route.js";

// The HTTP API v1 of DESIGN.md: every route but /healthz behind a token for its
// own operation.
export function createApi(receiver: Receiver, log: (message: string) => void): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.get("/healthz", (c) => c.json({ ok: true }));
  api.get("/v1/apps/:app", authenticate(receiver, "status"), async (c) =>
    c.json(await c.var.runtime.status()),
  );
  api.post("/v1/apps/:app/deploy", authenticate(receiver, "deploy"), (c) =>
    uploadRoute(c, "deploy"),
  );
  api.post("/v1/apps/:app/upload", authenticate(receiver, "upload"), (c) =>
    uploadRoute(c, "upload"),
  );
  api.post("/v1/apps/:app/swap", authenticate(receiver, "swap"), swapRoute);
  api.post("/v1/apps/:app/rollback", authenticate(receiver, "rollback"), rollbackRoute);
  if (receiver.config.admin) api.route("/admin", createAdmin(receiver));
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
