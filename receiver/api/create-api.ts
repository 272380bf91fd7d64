import { Hono, type Context } from "hono";
import { errorResponse } from "../http/error-response.js";
import { HttpError } from "../http-error.js";
import type { HttpEnv } from "../http/http-env.js";
import type { Log } from "../log.js";
import { reloadReceiver, upgradeReceiver } from "../lifecycle/receiver-operations.js";
import type { Receiver } from "../receiver.js";
import { enderName } from "../runtime/end-watch.js";
import { rollbackOperation } from "../runtime/rollback-operation.js";
import { swapOperation } from "../runtime/swap-operation.js";
import { uploadOperation } from "../runtime/upload-operation.js";
import { apiErrors } from "./api-errors.js";
import { appLogs } from "./app-logs.js";
import { authenticate, authenticateReceiver } from "./authenticate.js";
import { endWatchStreamed } from "./end-watch-streamed.js";
import { streamedRun } from "./streamed-run.js";

// `?force=1`: deploy or swap even when the artifact is the live file (docs/design.md §4).
function forceOf(c: Context<HttpEnv>): boolean {
  const value = c.req.query("force");
  if (value === undefined || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  throw new HttpError(
    400,
    "ERR_BAD_QUERY",
    `force must be 1 or 0, not ${JSON.stringify(value.slice(0, 40))}`,
  );
}

// The HTTP API v1 of docs/design.md §4, mounted at /v1 by http/create-http.ts:
// every route behind a token for its own operation.
export function createApi(receiver: Receiver, log: Log): Hono<HttpEnv> {
  const api = new Hono<HttpEnv>();
  const upload = (op: "deploy" | "upload") => (c: Context<HttpEnv>) =>
    streamedRun(
      c,
      uploadOperation(c.var.runtime, op, {
        body: c.env.incoming,
        contentType: c.req.header("content-type"),
        contentLength: c.req.header("content-length"),
        sha256: c.var.principal.sha256,
        force: forceOf(c),
      }),
    );
  api.get("/apps/:app", authenticate(receiver, "status"), async (c) =>
    c.json(await c.var.runtime.status()),
  );
  api.get("/apps/:app/logs", authenticate(receiver, "logs"), appLogs);
  api.post("/apps/:app/deploy", authenticate(receiver, "deploy"), upload("deploy"));
  api.post("/apps/:app/upload", authenticate(receiver, "upload"), upload("upload"));
  api.post("/apps/:app/swap", authenticate(receiver, "swap"), (c) =>
    streamedRun(c, swapOperation(c.var.runtime, forceOf(c))),
  );
  api.post("/apps/:app/rollback", authenticate(receiver, "rollback"), (c) =>
    streamedRun(c, rollbackOperation(c.var.runtime, c.req.query("to"))),
  );
  // A deploy judged by traffic (watch, canary) ends now: kept, or rolled back.
  for (const [op, how] of [
    ["promote", "promoted"],
    ["abort", "aborted"],
  ] as const) {
    api.post(`/apps/:app/${op}`, authenticate(receiver, op), (c) =>
      endWatchStreamed(c.var.runtime, how, enderName(c.var.principal.who)),
    );
  }
  // The receiver itself (docs/design.md §7): what SIGHUP and SIGUSR2 do, for Windows.
  const asker = (c: Context<HttpEnv>) => `the API (key ${c.var.principal.who.keyId})`;
  api.post("/receiver/reload", authenticateReceiver(receiver), async (c) =>
    c.json(await reloadReceiver(receiver, log, asker(c))),
  );
  api.post("/receiver/upgrade", authenticateReceiver(receiver), async (c) =>
    c.json(await upgradeReceiver(receiver, asker(c))),
  );
  const errors = apiErrors(log);
  api.onError((error, c) => errorResponse(error, c, errors));
  return api;
}
