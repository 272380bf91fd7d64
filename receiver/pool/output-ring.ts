import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { OutputStream } from "../protocol.js";
import type { LogLine } from "./app-log.js";

/** A line longer than this many characters is cut, and says so. */
export const MAX_LINE_CHARS = 4096;

// What may not pass from an app's output to the receiver's: C0 controls but tab (ANSI
// escapes could move the cursor, recolour or retitle a terminal, and a CR or a
// vertical tab could paint a line that looks like the receiver's own), DEL and C1
// controls, Unicode line and paragraph separators, and the bidirectional overrides that
// reorder what a reader sees. Each becomes its escape in plain text (ESC is "\x1b").
// Invalid UTF-8 never gets here: decoding turns it into U+FFFD. Newlines are kept (they
// split lines), and so is a CR just before one (CRLF is a line end).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string, at: number, text: string): string {
  if (c === "\r" && text.charCodeAt(at + 1) === 0x0a) return ""; // CRLF is a line end
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every unsafe character as its escape; newlines stay, CRLF becomes LF. */
export function neutralise(text: string): string {
  return text.replace(UNSAFE, escape);
}

let nextSeq = 0;

// One server's output: the one place a server's stdout and stderr are split into lines,
// cut and made safe. Every line goes to `sink` (the app's log buffer and the receiver's
// own output, docs/design.md §7); the newest `capacity` are kept here as well, the
// server's last words that explain a failed start (pool.ts output()), so a chatty
// neighbour in the app's shared buffer cannot push them out. They are the same line
// objects as in the app's buffer: this is a view, not a copy.
export class OutputRing {
  readonly #lines: LogLine[] = [];
  readonly #capacity: number;

  constructor(
    readonly instance: number,
    private readonly sink: (line: LogLine) => void = () => {},
    capacity = 50,
  ) {
    this.#capacity = capacity;
  }

  /**
   * Splits a stream into lines (LF or CRLF). A whole chunk is decoded and made safe at
   * once, a few native passes over it instead of many small ones a line: a flood of
   * output costs the event loop, which the gate shares, as little as it can (bench
   * "logs"). A last line without a newline counts when the stream ends.
   */
  follow(stream: Readable, name: OutputStream): void {
    // UTF-8 split between two chunks is joined, invalid bytes become U+FFFD.
    const decoder = new StringDecoder("utf8");
    let partial = "";
    let cut = 0;
    // A CR at the end of a chunk may be half of a CRLF: it waits for the next chunk.
    let heldCr = "";
    const add = (piece: string) => {
      const room = MAX_LINE_CHARS - partial.length;
      if (piece.length <= room) partial += piece;
      else {
        if (room > 0) partial += piece.slice(0, room);
        cut += piece.length - Math.max(0, room);
      }
    };
    const read = (decoded: string, time: number) => {
      let text = heldCr + decoded;
      heldCr = "";
      if (text.endsWith("\r")) {
        heldCr = "\r";
        text = text.slice(0, -1);
      }
      text = neutralise(text);
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        if (partial === "" && cut === 0 && nl - start <= MAX_LINE_CHARS) {
          this.#take(text.slice(start, nl), 0, name, time);
        } else {
          add(text.slice(start, nl));
          this.#take(partial, cut, name, time);
          partial = "";
          cut = 0;
        }
        start = nl + 1;
      }
      if (start < text.length) add(text.slice(start));
    };
    stream.on("data", (chunk: Buffer) => read(decoder.write(chunk), Date.now()));
    stream.on("end", () => {
      read(decoder.end(), Date.now());
      if (heldCr) add(neutralise(heldCr));
      if (partial || cut) this.#take(partial, cut, name, Date.now());
    });
  }

  /** A line as text: tests and callers that have one already (no stream). */
  push(text: string, name: OutputStream = "stdout"): void {
    const safe = neutralise(text).replace(/\n/g, "\\x0a");
    this.#take(safe.slice(0, MAX_LINE_CHARS), Math.max(0, safe.length - MAX_LINE_CHARS), name);
  }

  #take(safe: string, cut: number, name: OutputStream, time = Date.now()): void {
    let line = safe;
    if (cut > 0) {
      // Never leave half a surrogate pair behind.
      const last = line.charCodeAt(line.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        line = line.slice(0, -1);
        cut++;
      }
      line += ` [… ${cut} more characters cut]`;
    }
    const entry: LogLine = {
      seq: nextSeq++,
      time,
      instance: this.instance,
      stream: name,
      line,
      chars: line.length,
    };
    this.#lines.push(entry);
    // Trim in batches: amortised O(1) per line without a shift() each time.
    if (this.#lines.length >= 2 * this.#capacity) {
      this.#lines.splice(0, this.#lines.length - this.#capacity);
    }
    this.sink(entry);
  }

  /** The number of the newest line so far (-1 before any): what came after it is new. */
  lastSeq(): number {
    return this.#lines.at(-1)?.seq ?? -1;
  }

  /** The newest lines, oldest first. */
  lines(): readonly LogLine[] {
    return this.#lines.slice(-this.#capacity);
  }
}
