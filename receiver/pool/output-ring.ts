import type { Readable } from "node:stream";

/** One line a server printed; seq orders lines across all servers. */
export interface OutputLine {
  seq: number;
  text: string;
}

const MAX_LINE_CHARS = 2000;
let nextSeq = 0;

// A server's last words explain why it failed, but a chatty server must not grow the
// receiver's memory: keep only the newest lines, each cut to a sane length.
export class OutputRing {
  readonly #lines: OutputLine[] = [];
  readonly #capacity: number;

  constructor(capacity = 50) {
    this.#capacity = capacity;
  }

  /** Split a stream into lines; a last line without a newline counts when the stream ends. */
  follow(stream: Readable): void {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n/);
      partial = (parts.pop() ?? "").slice(-MAX_LINE_CHARS);
      for (const part of parts) this.push(part);
    });
    stream.on("end", () => {
      if (partial) this.push(partial);
      partial = "";
    });
  }

  push(text: string): void {
    this.#lines.push({ seq: nextSeq++, text: text.slice(0, MAX_LINE_CHARS) });
    if (this.#lines.length > this.#capacity) this.#lines.shift();
  }

  lines(): readonly OutputLine[] {
    return this.#lines;
  }
}
