import type { Writable } from "node:stream";
import { createLog } from "./log.js";
import type { LogLine } from "./pool/app-log.js";
import type { OutputStream } from "./protocol.js";

/** Lines gathered before one write(): fewer, larger writes cost the event loop less. */
const BATCH_BYTES = 64 * 1024;

// Where one of the receiver's own streams (stdout or stderr) gets the app's lines. A
// reader that falls behind (journald busy, a pipe nobody reads) must cost the gate
// nothing: write() returning false means the stream's buffer is full, and every app
// line from then until 'drain' is dropped and counted; after 'drain' one line in the
// receiver's own format says how many lines of which app were lost. So the stream
// holds at most its highWaterMark plus one batch, however fast the apps print. The
// receiver's own log lines (log.ts) are never dropped: they are few.
class EchoChannel {
  /** Gathered by +=: V8 keeps it as a rope, flattened once when it is written. */
  #batch = "";
  #scheduled = false;
  #blocked = false;
  readonly #dropped = new Map<string, number>();

  constructor(
    private readonly out: Writable,
    private readonly name: OutputStream,
  ) {}

  write(text: string): void {
    this.#batch += text;
    if (this.#batch.length >= BATCH_BYTES) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Writes what is gathered now, not on the next turn of the loop. */
  flush(): void {
    this.#flush();
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  drop(app: string): void {
    this.#dropped.set(app, (this.#dropped.get(app) ?? 0) + 1);
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#batch.length === 0) return;
    const text = this.#batch;
    this.#batch = "";
    if (!this.#put(text)) this.#block();
  }

  #block(): void {
    this.#blocked = true;
    this.out.once("drain", () => {
      this.#blocked = false;
      let room = true;
      for (const [app, count] of this.#dropped) {
        createLog(app, (l) => (room = this.#put(l) && room))(
          "warn",
          `${count} line(s) of its servers' ${this.name} were dropped: the receiver's ${this.name} was not read fast enough`,
        );
      }
      this.#dropped.clear();
      if (!room) this.#block();
    });
  }

  /** false: the stream's buffer is full (or it is gone); wait for 'drain'. */
  #put(text: string): boolean {
    if (this.out.destroyed || !this.out.writable) return true;
    try {
      return this.out.write(text);
    } catch {
      return true; // EPIPE and the like: nobody reads, nothing to wait for
    }
  }
}

// The app's lines in the receiver's own output as `[<app>#<instance>] line`
// (docs/design.md §7): stdout lines on stdout, stderr lines on stderr, so journald or
// whoever runs the receiver has them. The receiver's own lines start with a time stamp,
// an app's with "[", and no app line can hold a newline or a control character
// (output-ring.ts), so none can pass for the receiver's.
export class EchoOutput {
  readonly #channels: Record<OutputStream, EchoChannel>;

  constructor(streams: Record<OutputStream, Writable> = process) {
    this.#channels = {
      stdout: new EchoChannel(streams.stdout, "stdout"),
      stderr: new EchoChannel(streams.stderr, "stderr"),
    };
    // A reader that went away (EPIPE) must not crash the receiver: its lines are lost.
    for (const stream of [streams.stdout, streams.stderr]) {
      if (stream.listenerCount("error") === 0) stream.on("error", () => {});
    }
  }

  write(app: string, line: LogLine): void {
    const channel = this.#channels[line.stream];
    if (channel.blocked) channel.drop(app);
    else channel.write(`[${app}#${line.instance}] ${line.line}\n`);
  }

  /** Hands the gathered lines to the streams now: the receiver is about to exit. */
  flush(): void {
    this.#channels.stdout.flush();
    this.#channels.stderr.flush();
  }
}
