import { Transform } from "node:stream";
import { duration, bytes } from "./format.js";

/** The body on its way to the socket, and how much of it has passed. */
export interface Progress {
  stream: Transform;
  sent(): number;
}

// The receiver reads and verifies the whole upload before it sends a word, so during a
// long upload the only sign of life is our own count of the bytes handed to the socket.
// `everyMs` Infinity prints only the total (a terminal draws its own bar from sent()).
export function uploadProgress(
  total: number,
  print: (line: string) => void,
  everyMs = 5000,
): Progress {
  let sent = 0;
  let started = 0;
  let timer: NodeJS.Timeout | undefined;
  const rate = () => bytes((sent * 1000) / Math.max(1, Date.now() - started));
  const report = () => {
    const percent = total > 0 ? Math.floor((sent * 100) / total) : 100;
    print(`uploaded ${percent}% (${bytes(sent)} of ${bytes(total)}) at ${rate()}/s`);
  };
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!started) {
        started = Date.now();
        if (everyMs < Infinity) timer = setInterval(report, everyMs).unref();
      }
      sent += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      clearInterval(timer);
      started ||= Date.now();
      print(`uploaded ${bytes(sent)} in ${duration(Date.now() - started)} at ${rate()}/s`);
      done();
    },
    destroy(error, done) {
      clearInterval(timer);
      done(error);
    },
  });
  return { stream, sent: () => sent };
}
