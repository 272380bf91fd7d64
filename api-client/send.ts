import { createReadStream } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import { TLSSocket } from "node:tls";
import type { HttpClient } from "@actions/http-client";
import { GITHUB_DEPLOYMENT_HEADER, HEARTBEAT_MS, SHA256_HEADER } from "../receiver/protocol.js";
import type { Artifact } from "./hash-file.js";
import { RetryableError } from "./retry.js";
import type { Progress } from "./upload-progress.js";

declare const __HOTSWAP_VERSION__: string | undefined;
/** The package's version, set by the bundler; "dev" when run from the sources. */
export const VERSION = typeof __HOTSWAP_VERSION__ === "string" ? __HOTSWAP_VERSION__ : "dev";

/** The receiver sends a heartbeat after 10 s of silence; 60 s of it means it is gone. */
const IDLE_MS = Math.max(30_000, HEARTBEAT_MS * 6);
/** Failures that, before a byte of the body left, mean the request never got through. */
const UNREACHED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET"]);
/**
 * Supplies the agent that honours HTTPS_PROXY and NO_PROXY as every action does. Loaded on
 * the first request, so a CLI run that sends none (--help, token) does not evaluate it.
 */
let proxies: Promise<HttpClient> | undefined;

export interface Request {
  url: string;
  /** POST unless told: every operation is one; GET reads status and logs. */
  method?: "GET" | "POST";
  token: string;
  artifact?: Artifact | undefined;
  signal: AbortSignal;
  /** "hotswap-action/0.1.0", "hotswap-cli/0.1.0". */
  userAgent: string;
  /** Counts (and shows) the artifact's bytes on their way out; used when there is one. */
  progress: (total: number) => Progress;
  /** The id of the GitHub Deployment the call belongs to, sent for the journal. */
  githubDeployment?: number | undefined;
}

// One request to the receiver; answers with the response as soon as its head arrives. Node's
// request, on http-client's proxy-aware agent, is used directly because the upload needs
// the socket: the file streams from disk only once it is connected, so a connection lost
// before any byte of the body left is known to be safe to retry. Redirects are not followed.
export async function send(options: Request): Promise<http.IncomingMessage> {
  proxies ??= import("@actions/http-client").then((m) => new m.HttpClient(options.userAgent));
  const agent = (await proxies).getAgent(options.url);
  return sendWith(options, agent);
}

function sendWith(options: Request, agent: http.Agent): Promise<http.IncomingMessage> {
  const { url, token, artifact, signal, userAgent } = options;
  const method = options.method ?? "POST";
  const target = new URL(url);
  const headers: http.OutgoingHttpHeaders = {
    authorization: `Bearer ${token}`,
    "user-agent": userAgent,
  };
  if (method === "POST") {
    headers["content-type"] = "application/octet-stream";
    headers["content-length"] = artifact?.size ?? 0;
  }
  if (artifact) headers[SHA256_HEADER] = artifact.sha256;
  if (options.githubDeployment) headers[GITHUB_DEPLOYMENT_HEADER] = options.githubDeployment;
  const module = target.protocol === "https:" ? https : http;
  const request = module.request(target, { method, headers, agent, signal });
  let progress: Progress | undefined;
  let response: http.IncomingMessage | undefined;
  request.setTimeout(IDLE_MS, () => {
    const silent = new Error(`the receiver sent nothing for ${IDLE_MS / 1000} s`);
    request.destroy(silent);
    response?.destroy(silent);
  });
  return new Promise((resolve, reject) => {
    request.on("response", (answer) => resolve((response = answer)));
    request.on("error", (error: NodeJS.ErrnoException) => {
      const unreached = UNREACHED.has(error.code ?? "") && (progress?.sent() ?? 0) === 0;
      reject(
        unreached ? new RetryableError(`cannot reach ${target.origin}: ${error.message}`) : error,
      );
    });
    if (!artifact) return void request.end();
    request.on("socket", (socket) =>
      whenConnected(socket, () => {
        progress = options.progress(artifact.size);
        // Errors surface on the request (above) or, after a response, do not matter.
        pipeline(createReadStream(artifact.path), progress.stream, request).catch(() => {});
      }),
    );
  });
}

function whenConnected(socket: Socket, go: () => void): void {
  if (socket instanceof TLSSocket) socket.once("secureConnect", go);
  else if (socket.connecting) socket.once("connect", go);
  else go();
}
