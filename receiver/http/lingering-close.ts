import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** How long the client may go on sending, silent or not, after a refusal. */
export const LINGER_IDLE_MS = 2_000;
export const LINGER_MAX_MS = 10_000;

// A refusal while the client is still sending its body (a full disk, a slow upload,
// a bad token ahead of a large one) is answered with `Connection: close`, and Node then
// closes the socket as soon as the answer is flushed. The body's unread bytes make
// that close a TCP reset, and a client still writing sees the reset (write EPIPE,
// ECONNRESET) before it reads the answer that came first: the answer is lost
// (RFC 9112 §9.6). So the close comes in stages, as that section says: the answer and
// our FIN go out, the rest of the body is read and dropped, and the socket closes once
// the client has closed its side or sent the whole body, or has been silent for
// LINGER_IDLE_MS, LINGER_MAX_MS at most. Nothing of a finished body is unread, so
// those closes are clean.
export function lingerAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket as Socket | null;
  if (!socket || socket.destroyed || req.complete) return;
  let lingering = false;
  socket.destroySoon = () => {
    if (lingering) return;
    lingering = true;
    socket.end();
    const close = () => {
      clearTimeout(idle);
      clearTimeout(max);
      if (socket.writableFinished) socket.destroy();
      else socket.once("finish", () => socket.destroy());
    };
    const idle = setTimeout(close, LINGER_IDLE_MS).unref();
    const max = setTimeout(close, LINGER_MAX_MS).unref();
    socket.once("close", () => {
      clearTimeout(idle);
      clearTimeout(max);
    });
    if (req.complete) return close();
    req.once("end", close);
    // Read, not resumed: an upload that stopped reading may still hold the body's
    // async iterator, whose 'readable' listener keeps the stream out of flowing mode.
    req.on("readable", () => {
      while (req.read() !== null) idle.refresh(); // and the chunk is dropped
    });
  };
}
