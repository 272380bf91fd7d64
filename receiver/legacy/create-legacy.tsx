import { Hono, type Context } from "hono";
import { errorResponse } from "../http/error-response.js";
import type { HttpEnv } from "../http/http-env.js";
import { HttpError } from "../http-error.js";
import type { Who } from "../auth/principal.js";
import type { FailedResult } from "../protocol.js";
import type { Receiver } from "../receiver.js";
import type { AppRuntime } from "../runtime/app-runtime.js";
import type { Operation } from "../runtime/operation.js";
import { startOperation } from "../runtime/start-operation.js";
import { swapOperation } from "../runtime/swap-operation.js";
import { legacySignIn } from "./auth/legacy-sign-in.js";
import { refuseUnasked } from "./auth/refuse-unasked.js";
import { findLegacyApp } from "./find-legacy-app.js";
import { legacyLink, type LegacyLink } from "./legacy-link.js";
import { FailedPage } from "./pages/failed-page.js";
import { LEGACY_PAGE_HEADERS } from "./pages/legacy-layout.js";
import { UpdatedPage } from "./pages/updated-page.js";
import { UploadedPage } from "./pages/uploaded-page.js";
import { uploadFormOperation } from "./upload-form-operation.js";

// West Wind Web Connection's own upload and update links, for apps that turn
// them on with `legacy:` (docs/design.md §2): served under /{app}/ like an
// IIS virtual directory, behind HTTP Basic auth, so an unmodified Bld_*.prg
// (wwHttp) or the seed's admin form updates the server. They start the same
// upload and swap operations as the API and the admin page, under the same
// lock and journal, and answer the seed's small HTML pages.
export function createLegacy(receiver: Receiver): Hono<HttpEnv> {
  const legacy = new Hono<HttpEnv>();
  const signIn = legacySignIn(receiver.failures);
  legacy.on(["GET", "POST"], "/:app/:link", async function legacyRoute(c) {
    const link = legacyLink(c.req.param("link"), new URL(c.req.url).search);
    const found = link && findLegacyApp(receiver.apps, c.req.param("app"));
    if (!link || !found) return c.notFound();
    const { rt, users } = found;
    try {
      refuseUnasked(
        {
          secFetchSite: c.req.header("sec-fetch-site"),
          secPurpose: c.req.header("sec-purpose") ?? c.req.header("purpose"),
          origin: c.req.header("origin"),
          host: c.req.header("host"),
        },
        receiver.config.audience,
      );
      const methods = link === "upload" ? ["POST"] : ["GET", "POST"];
      // Hono answers HEAD with the GET handler: a HEAD must never run a swap.
      if (!methods.includes(c.req.method)) throw notAllowed(link, methods);
      const principal = await signIn(
        c.req.header("authorization"),
        receiver.clientAddress(c.env.incoming),
        users,
      );
      const { who } = principal;
      return link === "upload" ? await upload(c, rt, who) : await update(c, rt, who);
    } catch (error) {
      return refused(c, rt, link, error);
    }
  });
  return legacy;
}

async function upload(c: Context<HttpEnv>, rt: AppRuntime, who: Who): Promise<Response> {
  const operation = uploadFormOperation(rt, {
    body: c.env.incoming,
    contentType: c.req.header("content-type"),
    contentLength: c.req.header("content-length"),
  });
  const result = await run(rt, operation, who);
  if (!result.ok) return failed(c, rt, "upload", result);
  const page = (
    <UploadedPage
      app={rt.config.name}
      updateFile={rt.config.updateFile}
      filename={operation.filename()}
      result={result}
    />
  );
  return c.html(page, 200, LEGACY_PAGE_HEADERS);
}

async function update(c: Context<HttpEnv>, rt: AppRuntime, who: Who): Promise<Response> {
  const result = await run(rt, swapOperation(rt), who);
  if (!result.ok) return failed(c, rt, "update", result);
  const page = <UpdatedPage app={rt.config.name} exeFile={rt.config.exeFile} result={result} />;
  return c.html(page, 200, LEGACY_PAGE_HEADERS);
}

// Started as the admin page starts an operation; the seed's links answer only
// when it is over, so this waits for its result.
async function run(rt: AppRuntime, { op, prepare, run }: Operation, who: Who) {
  const started = await startOperation(rt, op, who, undefined, prepare, run);
  return started.done;
}

// An operation that ran and failed: the seed's page with the result's reason.
function failed(c: Context<HttpEnv>, rt: AppRuntime, link: LegacyLink, result: FailedResult) {
  const page = (
    <FailedPage
      app={rt.config.name}
      link={link}
      status={500}
      code={result.error.code}
      message={result.error.message}
      rolledBack={result.rolledBack}
      output={result.output}
      deployId={result.deployId}
    />
  );
  return c.html(page, 500, LEGACY_PAGE_HEADERS);
}

// Every refusal before the operation ran, as the seed's page with its status.
// A 401 asks for a user of this app and keeps the connection: WinINet sends a
// form without credentials first, and reads the challenge only once it has
// sent the whole body.
function refused(c: Context<HttpEnv>, rt: AppRuntime, link: LegacyLink, error: unknown) {
  return errorResponse(error, c, {
    log: rt.log,
    challenge: () => ({ scheme: "Basic", app: rt.config.name }),
    keepAliveOn401: true,
    page: (known) => (
      <FailedPage
        app={rt.config.name}
        link={link}
        status={known.status}
        code={known.code}
        message={known.message}
      />
    ),
    pageHeaders: LEGACY_PAGE_HEADERS,
  });
}

function notAllowed(link: LegacyLink, methods: string[]): HttpError {
  return new HttpError(
    405,
    "ERR_METHOD",
    link === "upload"
      ? 'the upload links take a POST of a multipart form with the exe in the field "File"'
      : "the update links take a GET or a POST",
    { headers: { allow: methods.join(", ") } },
  );
}
