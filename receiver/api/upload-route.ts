import type { Context } from "hono";
import type { ResultEvent, VersionInfo } from "../protocol.js";
import { runSwap } from "../runtime/run-swap.js";
import { stageUpload } from "../staging/stage-upload.js";
import { rememberDigest, versionInfo } from "../version/version-info.js";
import type { ApiEnv } from "./api-env.js";
import { HttpError } from "../http-error.js";
import { streamedRun } from "./streamed-run.js";

// POST /v1/apps/{app}/deploy and /upload: stage the body at updateFile (the
// seed's upload link); deploy then swaps it in. Size limits are checked before
// a byte is read, the digest after the last one, and both before the stream.
export async function uploadRoute(c: Context<ApiEnv>, op: "deploy" | "upload"): Promise<Response> {
  const rt = c.var.runtime;
  const app = rt.config;
  const length = contentLength(c, app.maxUploadSize);
  let staged: VersionInfo;
  return streamedRun(
    c,
    op,
    async (ctx) => {
      const started = performance.now();
      ctx.emit({ type: "step", step: "upload", state: "start" });
      const { size, sha256 } = await stageUpload(c.env.incoming, {
        updateFile: app.updateFile,
        length,
        sha256: c.var.principal.sha256!,
        idleTimeoutMs: rt.uploadIdleTimeoutMs,
      });
      const ms = Math.round(performance.now() - started);
      await rememberDigest(app.updateFile, sha256);
      ctx.emit({ type: "progress", received: size, total: length });
      staged = (await versionInfo(app.updateFile, app.versionCommand))!;
      ctx.emit({
        type: "step",
        step: "upload",
        state: "done",
        ms,
        message: `${size} bytes staged at updateFile, sha256 ${staged.sha256.slice(0, 12)} verified`,
      });
    },
    async (ctx): Promise<ResultEvent> => {
      if (op === "deploy")
        return runSwap(rt, "deploy", { path: app.updateFile, info: staged }, ctx);
      const previous = (await versionInfo(app.exeFile, app.versionCommand)) ?? undefined;
      const durationMs = Math.round(performance.now() - ctx.startedAt);
      rt.journal.append({
        deployId: ctx.deployId,
        app: app.name,
        op,
        outcome: "ok",
        at: new Date().toISOString(),
        who: ctx.who,
        before: previous,
        after: staged,
        durationMs,
      });
      return {
        type: "result",
        ok: true,
        deployId: ctx.deployId,
        op,
        app: app.name,
        version: staged,
        previous,
        holdMs: 0,
        durationMs,
      };
    },
  );
}

function contentLength(c: Context<ApiEnv>, max: number): number {
  const type = c.req.header("content-type") ?? "";
  if (/^multipart\//i.test(type)) {
    throw new HttpError(
      415,
      "ERR_MEDIA_TYPE",
      "send the artifact's raw bytes (application/octet-stream), not a form: curl --data-binary @FILE",
    );
  }
  const header = c.req.header("content-length");
  if (header === undefined || !/^\d+$/.test(header)) {
    throw new HttpError(
      411,
      "ERR_LENGTH_REQUIRED",
      "Content-Length is required: send the file with its size, not chunked",
    );
  }
  const length = Number(header);
  if (length > max) {
    throw new HttpError(
      413,
      "ERR_TOO_LARGE",
      `the artifact is ${length} bytes; maxUploadSize of this app is ${max} bytes`,
    );
  }
  return length;
}
