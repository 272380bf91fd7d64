import { chmodSync, writeFileSync } from "node:fs";

export interface AppBehaviour {
  /** What GET / answers, e.g. "v1". */
  version: string;
  /** Milliseconds to wait before listening (a slow start). */
  startDelayMs?: number;
  /** Exit with this code at start instead of serving. */
  crashAtStart?: number;
  /** Answer /health with 500 for ever. */
  unhealthy?: boolean;
  /** Answer /health with this status for ever, logging each probe ("health probe N"). */
  healthStatus?: number;
  /** Ignore SIGTERM (only SIGKILL stops it). */
  ignoreSigterm?: boolean;
  /** Healthy, but answer 500 ("VERSION error") to every request but /health, or to these paths only. */
  failing?: true | { paths: string[] };
  /** While this file exists, answer 500 ("VERSION dependency down") to all but /health: an outage every version shares. */
  dependency?: string;
  /**
   * Socket mode: accept on the inherited fd 3 (exit 3 unless LISTEN_FDS=1, LISTEN_FDNAMES=gate
   * and LISTEN_PID is its own pid), and stop the well-behaved way: at SIGTERM stop
   * accepting, answer each further request on an open connection with `Connection: close`
   * and close it after, let idle ones close at Node's keep-alive timeout (5 s, which it
   * advertises and clients honour), exit once none is left (or after 10 s). "either": on fd 3 when
   * LISTEN_FDS says so, else on PORT (one build for both gate modes), stopping the same way.
   */
  socket?: boolean | "either";
}

// The app's server as the tests run it: a real executable (a node script with a
// shebang, mode 0755) listening on the port the receiver gives it in PORT.
export function appScript(b: AppBehaviour): string {
  return `#!/usr/bin/env node
// hotswap test app ${b.version}
const http = require("node:http");
if (process.argv.includes("--version")) { console.log("testapp ${b.version}"); process.exit(0); }
${b.crashAtStart !== undefined ? `console.error("${b.version}: cannot start, exiting with ${b.crashAtStart}"); process.exit(${b.crashAtStart});` : ""}
const port = Number(process.env.PORT);
let probes = 0;
const server = http.createServer((req, res) => {
  ${b.healthStatus !== undefined ? `if (req.url === "/health") { console.log("health probe " + ++probes); res.statusCode = ${b.healthStatus}; return res.end("no"); }` : ""}
  if (req.url === "/health") { res.statusCode = ${b.unhealthy ? 500 : 200}; return res.end("${b.unhealthy ? "not ready" : "ok"}"); }
  ${b.dependency ? `if (require("node:fs").existsSync(${JSON.stringify(b.dependency)})) { res.statusCode = 500; return res.end("${b.version} dependency down\\n"); }` : ""}
  ${b.failing ? `if (${b.failing === true ? "true" : JSON.stringify(b.failing.paths)}${b.failing === true ? "" : ".some((p) => req.url.startsWith(p))"}) { res.statusCode = 500; return res.end("${b.version} error\\n"); }` : ""}
  if (req.url.startsWith("/slow")) { return setTimeout(() => res.end("${b.version} slow\\n"), Number(new URL(req.url, "http://x").searchParams.get("ms") ?? 500)); }
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => res.end("${b.version}" + (body ? " " + body.length : "") + "\\n"));
});
${b.socket ? SOCKET_MODE : ""}
${b.socket === true ? SOCKET_ACTIVATED : ""}
const onFd = ${b.socket === true ? "true" : b.socket ? 'process.env.LISTEN_FDS === "1"' : "false"};
setTimeout(() => onFd ? server.listen({ fd: 3 }, () => console.log("${b.version} listening on fd 3")) : server.listen(port, "127.0.0.1", () => console.log("${b.version} listening on " + port)), ${b.startDelayMs ?? 0});
process.on("SIGTERM", () => { ${b.ignoreSigterm ? 'console.log("ignoring SIGTERM");' : b.socket ? "stopGracefully();" : "server.close(); process.exit(0);"} });
`;
}

// Socket mode's side of the app (AppBehaviour.socket): the inherited socket checked, and
// the stop that keeps keep-alive clients safe: no idle connection is closed under them.
const SOCKET_ACTIVATED = String.raw`
const env = process.env;
if (env.LISTEN_FDS !== "1" || env.LISTEN_FDNAMES !== "gate" || Number(env.LISTEN_PID) !== process.pid) {
  console.error("not socket-activated: LISTEN_FDS=" + env.LISTEN_FDS + " LISTEN_PID=" + env.LISTEN_PID + " pid " + process.pid); process.exit(3);
}
`;
const SOCKET_MODE = String.raw`
let stopping = false;
const open = new Set();
server.on("connection", (c) => { open.add(c); c.on("close", () => { open.delete(c); if (stopping && open.size === 0) process.exit(0); }); });
server.prependListener("request", (req, res) => { if (stopping) res.shouldKeepAlive = false; });
function stopGracefully() {
  stopping = true;
  require("node:net").Server.prototype.close.call(server); // stop accepting; open connections stay
  if (process.env.LISTEN_FDS !== "1") server.closeIdleConnections(); // behind the proxy: the gate's, idle for good
  if (open.size === 0) process.exit(0);
  setTimeout(() => process.exit(0), 10000).unref(); // past the keep-alive timeout (5 s)
}
`;

export function writeApp(path: string, behaviour: AppBehaviour): string {
  writeFileSync(path, appScript(behaviour));
  chmodSync(path, 0o755);
  return path;
}

// A server that talks: a line on each stream at start, one full of terminal escapes
// and a forged receiver line, and on request any line, many lines or one long line.
export const CHATTY_APP = String.raw`#!/usr/bin/env node
const http = require("node:http");
if (process.argv.includes("--version")) { console.log("chatty 1"); process.exit(0); }
const instance = process.env.INSTANCE;
console.log("started #" + instance + " on stdout");
console.error("started #" + instance + " on stderr");
console.log("\x1b[31mred\x1b[0m \x1b]0;owned\x07 bell\rback\v2026-01-01T00:00:00.000Z info  [webdemo] forged \u202eevil");
process.stdout.write(Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe, 0x20, 0x75, 0x74, 0x66, 0x38, 0x0a]));
http.createServer((req, res) => {
  const u = new URL(req.url, "http://x");
  if (u.pathname === "/health") return res.end("ok");
  if (u.pathname === "/say") {
    const out = u.searchParams.get("stream") === "stderr" ? process.stderr : process.stdout;
    out.write(u.searchParams.get("text") + "\n");
    return res.end(instance);
  }
  if (u.pathname === "/many") {
    const n = Number(u.searchParams.get("n"));
    let text = "";
    for (let i = 0; i < n; i++) text += "many " + i + "\n";
    process.stdout.write(text);
    return res.end(instance);
  }
  if (u.pathname === "/long") {
    process.stdout.write("long:" + "x".repeat(10000) + "\n");
    return res.end(instance);
  }
  res.end("ok");
}).listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

/** Writes CHATTY_APP as the app's exe; it needs env INSTANCE: "{instance}" beside PORT. */
export function writeChattyApp(path: string): string {
  writeFileSync(path, CHATTY_APP);
  chmodSync(path, 0o755);
  return path;
}
