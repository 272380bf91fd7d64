import type { IncomingMessage } from "node:http";

export interface BodyLimits {
  /** Longest pause between body bytes while the gate waits for them. */
  idleMs: number;
  /** Bytes per second the body must keep up, judged over each idleMs window (0: off). */
  minRate: number;
}

// A client that sends a large Content-Length and then a byte a second must not keep
// a connection and a server's request open for ever. Judged once per window from the
// socket's byte count, so no listener sits on the body stream and a request costs one
// timer; a window in which the gate itself was not reading (the server was slow to take
// the body, so the stream was paused) is not held against the client. Returns a stop.
export function guardBody(
  req: IncomingMessage,
  limits: BodyLimits,
  slow: (why: string) => void,
): () => void {
  const { idleMs, minRate } = limits;
  const needed = Math.max(1, Math.floor((minRate * idleMs) / 1000));
  const socket = req.socket;
  let mark = socket.bytesRead;
  const timer = setTimeout(function judge() {
    if (req.complete || req.destroyed) return;
    const got = socket.bytesRead - mark;
    mark = socket.bytesRead;
    const waitingOnUs = req.readableFlowing === false || req.readableLength > 0;
    if (got < needed && !waitingOnUs) {
      slow(
        got === 0
          ? `sent no body bytes for ${idleMs} ms (gate.bodyIdleTimeout)`
          : `sent its body slower than ${minRate} bytes/s (gate.bodyMinRate): ${got} bytes in ${idleMs} ms`,
      );
      return;
    }
    timer.refresh();
  }, idleMs);
  timer.unref();
  return () => clearTimeout(timer);
}
