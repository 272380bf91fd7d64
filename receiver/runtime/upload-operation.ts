import type { Readable } from "node:stream";
import { HttpError } from "../http-error.js";
import type { ResultEvent, VersionInfo } from "../protocol.js";
import { folderUploadPath, stageRelease } from "../staging/stage-release.js";
import { stageUpload } from "../staging/stage-upload.js";
import { noVersionLog } from "../version/no-version-log.js";
import { rememberDigest, versionInfo } from "../version/version-info.js";
import type { AppRuntime } from "./app-runtime.js";
import type { Operation } from "./operation.js";
import { runSwap, type RunContext } from "./run-swap.js";

export interface UploadRequest {
  body: Readable;
  contentType: string | undefined;
  contentLength: string | undefined;
  /** The digest the caller vouched for; absent (admin page): any digest. */
  sha256?: string;
  /** Deploy: swap even when the artifact is the live file. */
  force?: boolean;
}

// Deploy and upload: stage the body at updateFile (the seed's upload link);
// deploy then swaps it in. Size limits are checked here, before a byte is read
// or the lock is taken; the digest after the last byte, still in `prepare`.
export function uploadOperation(
  rt: AppRuntime,
  op: "deploy" | "upload",
  request: UploadRequest,
): Operation {
  const app = rt.config;
  const length = checkLength(request, app.maxUploadSize);
  let staged: VersionInfo;
  return {
    op,
    prepare: async (ctx) => {
      const started = performance.now();
      ctx.emit({ type: "step", step: "upload", state: "start" });
      // A folder app's archive is written beside its releases, then unpacked into one.
      const into = app.folder ? folderUploadPath(app.folder) : app.updateFile;
      const { size, sha256 } = await stageUpload(request.body, {
        updateFile: into,
        length,
        sha256: request.sha256,
        idleTimeoutMs: rt.uploadLimits.idleTimeoutMs,
        minBytesPerSecond: rt.uploadLimits.minBytesPerSecond,
      });
      ctx.emit({ type: "progress", received: size, total: length });
      if (app.folder) {
        const log = (message: string) => ctx.emit({ type: "log", level: "info", message });
        staged = await stageRelease({
          app: { ...app, folder: app.folder },
          releases: rt.releases,
          upload: into,
          artifact: { sha256, size },
          progress: log,
          replace: rt.replace,
        });
      } else {
        await rememberDigest(app.updateFile, sha256);
        staged = (await versionInfo(
          app.updateFile,
          app.versionCommand,
          noVersionLog(ctx.emit, "updateFile"),
        ))!;
      }
      const ms = Math.round(performance.now() - started);
      const checked = request.sha256 ? "verified" : "computed";
      ctx.emit({
        type: "step",
        step: "upload",
        state: "done",
        ms,
        message: `${size} bytes staged at ${app.folder ? "staged (a release folder)" : "updateFile"}, sha256 ${staged.sha256.slice(0, 12)} ${checked}`,
      });
    },
    run: (ctx) =>
      op === "deploy"
        ? runSwap(
            rt,
            "deploy",
            { path: app.updateFile, info: staged },
            { ...ctx, force: request.force },
          )
        : uploaded(rt, staged, ctx),
  };
}

// An upload ends when the file is staged: journaled, and answered with the
// staged version beside the live one (the seed's upload links end the same way).
export async function uploaded(
  rt: AppRuntime,
  staged: VersionInfo,
  ctx: RunContext,
): Promise<ResultEvent> {
  const app = rt.config;
  const previous = (await versionInfo(app.exeFile, app.versionCommand)) ?? undefined;
  const durationMs = Math.round(performance.now() - ctx.startedAt);
  const base = { deployId: ctx.deployId, app: app.name, op: "upload" as const };
  await rt.journal.append({
    ...base,
    outcome: "ok",
    at: new Date().toISOString(),
    who: ctx.who,
    before: previous,
    after: staged,
    durationMs,
  });
  return { type: "result", ok: true, ...base, version: staged, previous, holdMs: 0, durationMs };
}

// The raw bytes with their size up front: no forms, no chunked bodies, no more
// than the app's maxUploadSize.
function checkLength(request: UploadRequest, max: number): number {
  if (/^multipart\//i.test(request.contentType ?? "")) {
    throw new HttpError(
      415,
      "ERR_MEDIA_TYPE",
      "send the artifact's raw bytes (application/octet-stream), not a form: curl --data-binary @FILE",
    );
  }
  const header = request.contentLength;
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
