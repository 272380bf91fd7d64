import type { Context } from "hono";
import type { Operation } from "../../runtime/operation.js";
import { restartServers } from "../../runtime/restart-servers.js";
import { rollbackOperation } from "../../runtime/rollback-operation.js";
import { swapOperation } from "../../runtime/swap-operation.js";
import { uploadOperation } from "../../runtime/upload-operation.js";
import type { HttpEnv } from "../../http/http-env.js";

type Build = (c: Context<HttpEnv>) => Operation | Promise<Operation>;

// What each action button of the page starts, by the name in its path
// (/admin/apps/:app/<name>): the API's own operations, built from the form.
export const ADMIN_OPERATIONS: Record<string, Build> = {
  upload: (c) => uploadOperation(c.var.adminApp, "upload", rawFile(c)),
  deploy: (c) => uploadOperation(c.var.adminApp, "deploy", rawFile(c)),
  swap: (c) => swapOperation(c.var.adminApp),
  rollback: async (c) => rollbackOperation(c.var.adminApp, await releaseId(c)),
  restart: (c) => ({
    op: "restart",
    prepare: async () => {},
    run: (ctx) => restartServers(c.var.adminApp, ctx),
  }),
};

// The page's upload is the raw file, read from node's request so it streams to
// disk; any digest is accepted: the signed-in admin vouches for the bytes.
function rawFile(c: Context<HttpEnv>) {
  return {
    body: c.env.incoming,
    contentType: c.req.header("content-type"),
    contentLength: c.req.header("content-length"),
  };
}

// The release to roll back to: the form field `to` or ?to=; none: the newest
// kept one that differs from the live file.
async function releaseId(c: Context<HttpEnv>): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)
    ? await c.req.parseBody()
    : {};
  const to = form.to ?? c.req.query("to");
  return typeof to === "string" && to !== "" ? to : undefined;
}
