import { createAdaptorServer } from "@hono/node-server";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { ConfigError } from "../config/config-error.js";
import { whyUnreadable } from "../config/why-unreadable.js";
import type { Config } from "../config/load-config.js";

type FetchCallback = Parameters<typeof createAdaptorServer>[0]["fetch"];

// The API's server: plain HTTP behind a TLS proxy (the default), or HTTPS when
// the config names a certificate. Either way, large uploads time out on idle
// (stage-upload.ts), never on the whole request.
/** The certificate and key of `tls`, read before anything starts (a bad path is a config error). */
export function readTls(config: Config): { cert: Buffer; key: Buffer } | undefined {
  const tls = config.tls;
  if (!tls) return undefined;
  const read = (key: "cert" | "key") => {
    try {
      return readFileSync(tls[key]);
    } catch (error) {
      throw new ConfigError(
        config.file,
        `tls.${key}`,
        `cannot read ${tls[key]}: ${whyUnreadable(error)}`,
      );
    }
  };
  return { cert: read("cert"), key: read("key") };
}

export function openListener(
  fetch: FetchCallback,
  tls: { cert: Buffer; key: Buffer } | undefined,
): Server {
  const server = (
    tls
      ? createAdaptorServer({ fetch, createServer: createHttpsServer, serverOptions: tls })
      : createAdaptorServer({ fetch })
  ) as Server;
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  return server;
}
