import { chmodSync, writeFileSync } from "node:fs";

export interface GateAppBehaviour {
  /** What GET / answers, e.g. "v1"; also said on a WebSocket's open and in its echoes. */
  version: string;
  /** Where `POST /reset` and `GET /report` write one line each time they run. */
  executionsFile?: string;
  /** Milliseconds to wait before listening (a slow start). */
  startDelayMs?: number;
  /** Exit with this code at start instead of serving. */
  crashAtStart?: number;
  /** File mode; 0o644 makes an exeFile that cannot be executed. */
  mode?: number;
}

// The app's server for the gate-safety suite: a real executable (node script, shebang)
// on the port the receiver gives it in PORT. Besides what test/helpers/app-script.ts
// answers (GET / → "VERSION\n", a body → "VERSION LENGTH\n", /health), it has:
// - POST /reset and GET /report: record one line in executionsFile, then the process
//   exits before answering (a request that kills its server);
// - GET /events: an endless text/event-stream, one event every 100 ms;
// - Upgrade on /ws: a WebSocket echo (hand-written, RFC 6455 text frames) that says
//   "hello VERSION" on open and answers each message with "VERSION: message".
// SIGTERM closes the listener and exits once every connection is gone, as a graceful
// app does: a connection nobody cuts keeps it alive until the receiver's SIGKILL.
export function gateAppScript(b: GateAppBehaviour): string {
  const v = JSON.stringify(b.version);
  return `#!/usr/bin/env node
// hotswap gate-safety test app ${b.version}
const http = require("node:http");
const fs = require("node:fs");
const crypto = require("node:crypto");
const VERSION = ${v};
const EXECUTIONS = ${JSON.stringify(b.executionsFile ?? "")};
if (process.argv.includes("--version")) { console.log("testapp " + VERSION); process.exit(0); }
${b.crashAtStart !== undefined ? `console.error(VERSION + ": cannot start, exiting with ${b.crashAtStart}"); process.exit(${b.crashAtStart});` : ""}
const port = Number(process.env.PORT);

const server = http.createServer((req, res) => {
  const path = req.url.split("?")[0];
  if (path === "/health") return res.end("ok");
  if ((req.method === "POST" && path === "/reset") || (req.method === "GET" && path === "/report")) {
    fs.appendFileSync(EXECUTIONS, req.method + " " + path + " pid " + process.pid + "\\n");
    console.error(VERSION + ": " + req.method + " " + path + " ran; exiting before the answer");
    process.exit(1);
  }
  if (path === "/events") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    res.write("data: " + VERSION + " open\\n\\n");
    let n = 0;
    const timer = setInterval(() => res.write("data: " + VERSION + " " + n++ + "\\n\\n"), 100);
    res.on("close", () => clearInterval(timer));
    return;
  }
  let length = 0;
  req.on("data", (chunk) => (length += chunk.length));
  req.on("end", () => res.end(VERSION + (length ? " " + length : "") + "\\n"));
});

// One WebSocket frame, server to client (never masked).
function frame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n])
    : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 255])
    : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
  return Buffer.concat([head, payload]);
}

server.on("upgrade", (req, socket, head) => {
  socket.on("error", () => socket.destroy());
  if (req.url !== "/ws" || String(req.headers.upgrade).toLowerCase() !== "websocket") {
    return socket.end("HTTP/1.1 400 Bad Request\\r\\nConnection: close\\r\\nContent-Length: 0\\r\\n\\r\\n");
  }
  const accept = crypto.createHash("sha1")
    .update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n" +
    "Sec-WebSocket-Accept: " + accept + "\\r\\n\\r\\n");
  socket.write(frame(1, Buffer.from("hello " + VERSION)));
  let buf = Buffer.from(head);
  const onData = (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 15;
      const masked = (buf[1] & 128) !== 0;
      let length = buf[1] & 127;
      let at = 2;
      if (length === 126) { if (buf.length < 4) return; length = buf.readUInt16BE(2); at = 4; }
      else if (length === 127) { if (buf.length < 10) return; length = Number(buf.readBigUInt64BE(2)); at = 10; }
      const maskAt = at;
      if (masked) at += 4;
      if (buf.length < at + length) return;
      const payload = Buffer.from(buf.subarray(at, at + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buf[maskAt + (i % 4)];
      buf = buf.subarray(at + length);
      if (opcode === 8) { socket.end(frame(8, payload.subarray(0, 2))); return; }
      if (opcode === 9) socket.write(frame(10, payload));
      if (opcode === 1) socket.write(frame(1, Buffer.from(VERSION + ": " + payload.toString())));
    }
  };
  socket.on("data", onData);
});

setTimeout(() => server.listen(port, "127.0.0.1", () => console.log(VERSION + " listening on " + port)), ${b.startDelayMs ?? 0});
process.on("SIGTERM", () => {
  console.log(VERSION + ": SIGTERM, exiting once every connection is closed");
  server.close(() => process.exit(0));
});
`;
}

export function writeGateApp(path: string, behaviour: GateAppBehaviour): string {
  writeFileSync(path, gateAppScript(behaviour));
  chmodSync(path, behaviour.mode ?? 0o755);
  return path;
}
