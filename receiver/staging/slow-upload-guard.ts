import type { Readable } from "node:stream";
import { HttpError } from "../http-error.js";

// A client that stops sending, or sends a byte a second, must not hold the
// app's lock for ever: in every window of `ms` at least `minRate` bytes per
// second must arrive (and at least one byte). The body is left unread, not
// destroyed, so the 408 still reaches the client; the error answer closes the
// connection.
export async function* slowUploadGuard(
  body: Readable,
  ms: number,
  minRate: number,
): AsyncGenerator<Buffer> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const needed = Math.max(1, Math.floor((minRate * ms) / 1000));
  let windowEnds = Date.now() + ms;
  let inWindow = 0;
  // A read may fail (the client hung up) while no one awaits it, e.g. during a
  // disk write: mark it handled here; whoever awaits it still gets the error.
  const next = () => {
    const read = chunks.next();
    read.catch(() => {});
    return read;
  };
  let pending = next();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const wait = Math.max(0, windowEnds - Date.now());
    const late = new Promise<"late">(
      (resolve) => (timer = setTimeout(() => resolve("late"), wait)),
    );
    const step = await Promise.race([pending, late]).finally(() => clearTimeout(timer));
    if (step === "late") {
      if (inWindow < needed) {
        pending.catch(() => {}); // settles when the connection closes
        const why =
          inWindow === 0
            ? `no upload data for ${ms} ms`
            : `upload slower than ${minRate} bytes/s (uploadMinRate): ${inWindow} bytes in ${ms} ms`;
        throw new HttpError(408, "ERR_UPLOAD_TIMEOUT", why);
      }
      windowEnds = Date.now() + ms;
      inWindow = 0;
      continue; // the same read goes on, now timed by the next window
    }
    if (step.done) return;
    inWindow += step.value.length;
    pending = next();
    yield step.value;
  }
}
