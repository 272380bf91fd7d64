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
  /** Ignore SIGTERM (only SIGKILL stops it). */
  ignoreSigterm?: boolean;
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
const server = http.createServer((req, res) => {
  if (req.url === "/health") { res.statusCode = ${b.unhealthy ? 500 : 200}; return res.end("${b.unhealthy ? "not ready" : "ok"}"); }
  if (req.url.startsWith("/slow")) { return setTimeout(() => res.end("${b.version} slow\\n"), Number(new URL(req.url, "http://x").searchParams.get("ms") ?? 500)); }
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => res.end("${b.version}" + (body ? " " + body.length : "") + "\\n"));
});
setTimeout(() => server.listen(port, "127.0.0.1", () => console.log("${b.version} listening on " + port)), ${b.startDelayMs ?? 0});
process.on("SIGTERM", () => { ${b.ignoreSigterm ? 'console.log("ignoring SIGTERM");' : "server.close(); process.exit(0);"} });
`;
}

export function writeApp(path: string, behaviour: AppBehaviour): string {
  writeFileSync(path, appScript(behaviour));
  chmodSync(path, 0o755);
  return path;
}
