// Loaded into every node.exe the Wine tests run (`node -r`). Two workarounds for Wine 8
// that a real Windows does not need; wine-env.ts says where they were found.
"use strict";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a `node -r` preload is CommonJS
const net = require("node:net");

// Wine 8 has no TCP keep-alive socket options: a setKeepAlive on a socket that is still
// connecting makes libuv fail the connect with UNKNOWN (undici sets it on every pooled
// connection, so the gate could not reach its servers). Set it once connected, and let
// a refusal there go: keep-alive is an optimisation.
const setKeepAlive = net.Socket.prototype.setKeepAlive;
net.Socket.prototype.setKeepAlive = function (...args) {
  const apply = () => {
    try {
      setKeepAlive.apply(this, args);
    } catch {
      // no keep-alive on Wine
    }
  };
  if (this.connecting) this.once("connect", apply);
  else apply();
  return this;
};

// Port 0 gets a port from Linux's ephemeral range (32768 and up), where Wine answers
// spurious EADDRINUSE. Pick free-looking ports below it instead and try another on
// EADDRINUSE, so "listen on any port" (the API, the gate, the servers' ports) still works.
const listen = net.Server.prototype.listen;
const LOW = 20000;
const SPAN = 12000;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  const numeric = typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first));
  const object =
    first !== null &&
    typeof first === "object" &&
    !("path" in first) &&
    !("fd" in first) &&
    !("handle" in first) &&
    !("_handle" in first);
  const port = numeric ? Number(first) : object ? Number(first.port ?? 0) : NaN;
  if (port !== 0) return listen.apply(this, args);
  const attempt = (tries, withCallback) => {
    const chosen = LOW + Math.floor(Math.random() * SPAN);
    const rest = withCallback
      ? args.slice(1)
      : args.slice(1).filter((a) => typeof a !== "function");
    const emit = this.emit;
    this.emit = function (event, error, ...more) {
      if (event === "error" && error && error.code === "EADDRINUSE" && tries < 50) {
        this.emit = emit;
        attempt(tries + 1, false);
        return true;
      }
      if (event === "listening" || event === "error") this.emit = emit;
      return emit.call(this, event, error, ...more);
    };
    return listen.call(this, numeric ? chosen : { ...first, port: chosen }, ...rest);
  };
  return attempt(0, true);
};
