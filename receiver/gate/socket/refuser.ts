import { spawn, type ChildProcess } from "node:child_process";
import type { SharedSocket } from "./shared-socket.js";

/** The header the refuser's answers carry, so a health probe knows them from the app's. */
export const REFUSER_HEADER = "x-hotswap-refused";

// Past hold.timeout in socket mode, the connections waiting in the accept queue must
// get an answer (guarantee 1: a 503 with Retry-After, never a hang), but the receiver
// must not accept on the socket itself: its descriptor is the one that keeps the port
// open, and a net.Server listening on it would close it when it stops. So a small
// child takes a copy as fd 3 and answers every request 503 with Retry-After and
// `Connection: close` until stop(), which lets it finish what it accepted and exit.
export function startRefuser(
  socket: SharedSocket,
  {
    message,
    retryAfterS,
    backlog = 511,
    answered,
  }: { message: string; retryAfterS: number; backlog?: number; answered?: () => void },
): { stop(): Promise<void>; child: ChildProcess } {
  const body = JSON.stringify(`${message}\n`);
  const script = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "${Math.max(1, Math.ceil(retryAfterS))}", connection: "close", "${REFUSER_HEADER}": "1" });
  res.end(${body});
  process.stdout.write("503\\n");
});
server.listen({ fd: 3, backlog: ${Math.max(1, Math.floor(backlog))} }); // listen(2) again: keep the backlog
process.on("SIGTERM", () => { server.close(() => process.exit(0)); server.closeIdleConnections(); setTimeout(() => process.exit(0), 2000).unref(); });
`;
  const child = spawn(process.execPath, ["-e", script], {
    stdio: ["ignore", "pipe", "inherit", socket.fd],
    env: {},
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A line per answer, for the gate's count of refused requests.
  child.stdout!.on("data", (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 0x0a) answered?.();
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
