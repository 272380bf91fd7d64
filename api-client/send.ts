import { createReadStream } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import { connect as tlsConnect, TLSSocket } from "node:tls";
import type { HttpClient } from "@actions/http-client";
import { GITHUB_DEPLOYMENT_HEADER, HEARTBEAT_MS, SHA256_HEADER } from "../receiver/protocol.js";
import type { Artifact } from "./hash-file.js";
import { RetryableError, type Unreachable } from "./retry.js";
import type { Progress } from "./upload-progress.js";

declare const __HOTSWAP_VERSION__: string | undefined;
/** The package's version, set by the bundler; "dev" when run from the sources. */
export const VERSION = typeof __HOTSWAP_VERSION__ === "string" ? __HOTSWAP_VERSION__ : "dev";

/** The receiver sends a heartbeat after 10 s of silence; 60 s of it means it is gone. */
const IDLE_MS = Math.max(30_000, HEARTBEAT_MS * 6);
/** A connection not made in this long is a host that drops packets (or a wrong address). */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Failures that, before a byte of the body left, mean the request never got through, with
 * what each means and how long it is worth trying again (retry.ts): a name that does not
 * resolve is a typo more often than a passing fault, a refused or reset connection a
 * receiver restarting.
 */
const UNREACHED: Record<string, [Unreachable, string]> = {
  ENOTFOUND: ["dns", "the host name does not resolve: check url for a typo"],
  EAI_AGAIN: ["dns", "the host name could not be resolved (DNS unreachable or a typo in url)"],
  ECONNREFUSED: ["unreachable", "nothing listens on that port: is the receiver running?"],
  ECONNRESET: ["unreachable", "the connection was reset before any answer"],
  ECONNECTTIMEOUT: ["unreachable", `no connection within ${CONNECT_TIMEOUT_MS / 1000} s`],
};
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
  request.on("socket", (socket) => connectTimeout(socket, request));
  return new Promise((resolve, reject) => {
    request.on("response", (answer) => resolve((response = answer)));
    request.on("error", (error: NodeJS.ErrnoException) => {
      const unreached = UNREACHED[error.code ?? ""];
      if (!unreached || (progress?.sent() ?? 0) > 0)
        return reject(mismatch(error, target) ?? error);
      const [kind, meaning] = unreached;
      const message = `cannot reach ${target.origin}: ${error.message} (${meaning})`;
      if (target.protocol === "http:" && error.code === "ECONNRESET")
        return void speaksTls(target).then((tls) =>
          reject(tls ? new Error(httpToTls(target)) : new RetryableError(message, kind)),
        );
      reject(new RetryableError(message, kind));
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

// A socket still connecting after CONNECT_TIMEOUT_MS is given up (and may be tried again):
// the request's own idle timeout would wait a minute and then blame the receiver's silence.
function connectTimeout(socket: Socket, request: http.ClientRequest): void {
  if (!socket.connecting) return;
  const timer = setTimeout(() => {
    const error: NodeJS.ErrnoException = new Error(`connect timed out`);
    error.code = "ECONNECTTIMEOUT";
    request.destroy(error);
  }, CONNECT_TIMEOUT_MS);
  socket.once("connect", () => clearTimeout(timer));
  socket.once("close", () => clearTimeout(timer));
}

// An https URL to a port that answers plain HTTP: OpenSSL's "wrong version number" (or
// "packet length too long"), said as what it means and what to change instead of as
// OpenSSL put it.
function mismatch(error: NodeJS.ErrnoException, target: URL): Error | undefined {
  const plain = /wrong version number|packet length too long/i.test(error.message);
  if (target.protocol !== "https:" || !plain) return undefined;
  const http = new URL(target.href);
  http.protocol = "http:";
  return new Error(
    `${target.origin} answered plain HTTP, not TLS: the receiver has no tls: configured on this port. Use url: ${http.origin} (allowed on loopback only), or set tls: {cert, key} in the receiver's config, or point url at the proxy that terminates TLS`,
  );
}

function httpToTls(target: URL): string {
  const https = new URL(target.href);
  https.protocol = "https:";
  return `${target.origin} speaks TLS, not plain HTTP: it reset the connection on a plain request and completed a TLS handshake. Use url: ${https.origin}`;
}

// Whether host:port completes a TLS handshake (certificate not checked: this only tells
// what the port speaks, nothing is sent). Asked once an http:// request was reset.
function speaksTls(target: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const port = Number(target.port || 80);
    const host = target.hostname.replace(/^\[|\]$/g, "");
    const socket = tlsConnect({ host, port, rejectUnauthorized: false });
    const done = (tls: boolean) => {
      socket.destroy();
      resolve(tls);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once("secureConnect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function whenConnected(socket: Socket, go: () => void): void {
  if (socket instanceof TLSSocket) socket.once("secureConnect", go);
  else if (socket.connecting) socket.once("connect", go);
  else go();
}
