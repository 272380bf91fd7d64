import type { Readable } from "node:stream";
import { HttpError } from "../http-error.js";
import type { VersionInfo } from "../protocol.js";
import type { AppRuntime } from "../runtime/app-runtime.js";
import type { Operation } from "../runtime/operation.js";
import { uploaded } from "../runtime/upload-operation.js";
import { noVersionLog } from "../version/no-version-log.js";
import { rememberDigest, versionInfo } from "../version/version-info.js";
import { filePart } from "./multipart/file-part.js";
import { formBoundary } from "./multipart/form-boundary.js";
import { slowUploadGuard } from "../staging/slow-upload-guard.js";
import { stagePart } from "./staging/stage-part.js";

/** Room for the form around the file: other fields, part headers, delimiters. */
const FORM_OVERHEAD = 1024 * 1024;

export interface UploadForm {
  body: Readable;
  contentType: string | undefined;
  contentLength: string | undefined;
}

export interface UploadFormOperation extends Operation {
  /** The file name the form gave, once `prepare` has read it. */
  filename(): string | undefined;
}

// The seed's upload links: the form's File field is staged at updateFile as
// the API's upload stages a raw body (temp file, SHA-256, flush, rename), then
// journaled. The form's size is known only at its end, so this streams the
// part through stagePart rather than stageUpload, which needs it up front.
export function uploadFormOperation(rt: AppRuntime, form: UploadForm): UploadFormOperation {
  const app = rt.config;
  const boundary = formBoundary(form.contentType);
  const limit = app.maxUploadSize + FORM_OVERHEAD;
  if (form.contentLength !== undefined && Number(form.contentLength) > limit) {
    throw new HttpError(
      413,
      "ERR_TOO_LARGE",
      `the form is ${form.contentLength} bytes; maxUploadSize of this app is ${app.maxUploadSize} bytes`,
    );
  }
  let filename: string | undefined;
  let staged: VersionInfo;
  return {
    op: "upload",
    filename: () => filename,
    prepare: async (ctx) => {
      const started = performance.now();
      ctx.emit({ type: "step", step: "upload", state: "start" });
      const { idleTimeoutMs, minBytesPerSecond } = rt.uploadLimits;
      const body = slowUploadGuard(form.body, idleTimeoutMs, minBytesPerSecond);
      const part = await filePart(body, boundary, "File", limit);
      if (!part) {
        throw new HttpError(400, "ERR_NO_FILE", 'the form has no field named "File"');
      }
      filename = part.filename;
      const { size, sha256 } = await stagePart(part.data, {
        updateFile: app.updateFile,
        maxSize: app.maxUploadSize,
      });
      await rememberDigest(app.updateFile, sha256);
      ctx.emit({ type: "progress", received: size, total: size });
      staged = (await versionInfo(
        app.updateFile,
        app.versionCommand,
        noVersionLog(ctx.emit, "updateFile"),
      ))!;
      ctx.emit({
        type: "step",
        step: "upload",
        state: "done",
        ms: Math.round(performance.now() - started),
        message: `${size} bytes of ${filename ?? "the File field"} staged at updateFile, sha256 ${sha256.slice(0, 12)} computed`,
      });
    },
    run: (ctx) => uploaded(rt, staged, ctx),
  };
}
