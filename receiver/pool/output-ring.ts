import type { Readable } from "node:stream";
import type { OutputStream } from "../protocol.js";
import type { LogLine } from "./app-log.js";

/** A line longer than this many UTF-8 bytes is cut, and says so. */
export const MAX_LINE_BYTES = 4096;
const NEWLINE = 0x0a;
const CR = 0x0d;

// What may not pass from an app's output to the receiver's: C0 controls but tab (ANSI
// escapes could move the cursor, recolour or retitle a terminal, and a CR or a
// vertical tab could paint a line that looks like the receiver's own), DEL and C1
// controls, Unicode line and paragraph separators, and the bidirectional overrides that
// reorder what a reader sees. Each becomes its escape in plain text (ESC is "\x1b").
// Invalid UTF-8 never gets here: decoding turns it into U+FFFD.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function neutralise(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Where the last whole UTF-8 character of `bytes` ends. */
function completeUtf8(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start > 0 && start > bytes.length - 4 && (bytes[start]! & 0xc0) === 0x80) start--;
  const lead = bytes[start] ?? 0;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + size > bytes.length ? start : bytes.length;
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
   * Splits a stream into lines (LF or CRLF) as raw bytes: a newline byte is never part of
   * a multi-byte UTF-8 character, and indexOf on a Buffer is native. A last line without
   * a newline counts when the stream ends.
   */
  follow(stream: Readable, name: OutputStream): void {
    let parts: Buffer[] = [];
    let kept = 0;
    let cut = 0;
    const add = (piece: Buffer) => {
      const room = MAX_LINE_BYTES - kept;
      if (piece.length <= room) {
        if (piece.length) parts.push(piece);
        kept += piece.length;
      } else {
        if (room > 0) parts.push(piece.subarray(0, room));
        kept += Math.max(0, room);
        cut += piece.length - Math.max(0, room);
      }
    };
    const end = () => {
      const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
      this.#take(line, cut, name);
      parts = [];
      kept = 0;
      cut = 0;
    };
    stream.on("data", (chunk: Buffer) => {
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        add(chunk.subarray(start, nl));
        end();
        start = nl + 1;
      }
      // The unfinished line is copied: a view would pin the whole chunk.
      if (start < chunk.length) add(Buffer.from(chunk.subarray(start)));
    });
    stream.on("end", () => {
      if (kept || cut) end();
    });
  }

  /** A line as text: tests and callers that have one already (no stream). */
  push(text: string, name: OutputStream = "stdout"): void {
    const bytes = Buffer.from(text);
    const kept = Math.min(bytes.length, MAX_LINE_BYTES);
    this.#take(bytes.subarray(0, kept), bytes.length - kept, name);
  }

  #take(raw: Buffer, cut: number, name: OutputStream): void {
    let bytes = raw;
    if (bytes.length && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    if (cut > 0) {
      // Cut on a character boundary: a last character whose bytes were cut goes too.
      const end = completeUtf8(bytes);
      cut += bytes.length - end;
      bytes = bytes.subarray(0, end);
    }
    const text = bytes.toString("utf8");
    let line = neutralise(text);
    if (cut > 0) line += ` [… ${cut} more bytes cut]`;
    const entry: LogLine = {
      seq: nextSeq++,
      time: Date.now(),
      instance: this.instance,
      stream: name,
      line,
      // UTF-8 size without encoding again: what escapes and the marker added is ASCII.
      bytes: bytes.length + line.length - text.length,
    };
    this.#lines.push(entry);
    // Trim in batches: amortised O(1) per line without a shift() each time.
    if (this.#lines.length >= 2 * this.#capacity) {
      this.#lines.splice(0, this.#lines.length - this.#capacity);
    }
    this.sink(entry);
  }

  /** The newest lines, oldest first. */
  lines(): readonly LogLine[] {
    return this.#lines.slice(-this.#capacity);
  }
}
