import type { OutputStream } from "../protocol.js";

/** One line a server printed, already cut and made safe (output-ring.ts). */
export interface LogLine {
  /** Orders lines across every server of the receiver. */
  seq: number;
  /** When the receiver read it, ms since epoch (formatted only when sent). */
  time: number;
  instance: number;
  stream: OutputStream;
  line: string;
  /** Its length in characters (UTF-16 code units, as JavaScript keeps it), for the size bound. */
  chars: number;
}

export interface AppLogLimits {
  maxLines: number;
  /** Characters of text, each line counted with LINE_OVERHEAD_CHARS more for its fields. */
  maxChars: number;
}

/** 1,000 lines or 1 Mi characters (1 MiB of ASCII), whichever is less. */
export const APP_LOG_LIMITS: AppLogLimits = { maxLines: 1000, maxChars: 1024 * 1024 };

/** What a line costs the buffer beyond its text: the object and its fields. */
const LINE_OVERHEAD_CHARS = 64;

// An app's recent output, every server's lines in the order they were read, for
// GET /v1/apps/{app}/logs and the admin page's Output view (docs/design.md §7). Bounded
// by lines and by characters, so a chatty server costs the receiver about maxChars at most; the
// oldest lines go first. Followers are called for every new line, synchronously, and
// must not block: each bounds its own queue (api/app-logs.ts, admin/routes/live-events.ts).
export class AppLog {
  readonly #limits: AppLogLimits;
  /** A queue without shift(): live lines are #items[#head..]. */
  #items: LogLine[] = [];
  #head = 0;
  #chars = 0;
  readonly #followers = new Set<(line: LogLine) => void>();

  constructor(limits: AppLogLimits = APP_LOG_LIMITS) {
    this.#limits = limits;
  }

  get maxLines(): number {
    return this.#limits.maxLines;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get chars(): number {
    return this.#chars;
  }

  /** How many follow this log now: the leak check of the follow stream's tests. */
  get followers(): number {
    return this.#followers.size;
  }

  push(line: LogLine): void {
    this.#items.push(line);
    this.#chars += line.chars + LINE_OVERHEAD_CHARS;
    const { maxLines, maxChars } = this.#limits;
    while (this.size > maxLines || (this.#chars > maxChars && this.size > 1)) {
      const old = this.#items[this.#head]!;
      this.#chars -= old.chars + LINE_OVERHEAD_CHARS;
      this.#head++;
    }
    // Compact now and then: amortised O(1) per line, the dead prefix never outgrows the rest.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    for (const follower of this.#followers) follower(line);
  }

  /** The newest `count` lines, oldest first. */
  tail(count: number): LogLine[] {
    const from = Math.max(this.#head, this.#items.length - Math.max(0, count));
    return this.#items.slice(from);
  }

  /** Calls `follower` with every line pushed from now on, until the returned stop is called. */
  follow(follower: (line: LogLine) => void): () => void {
    // A function object of its own, so the same callback followed twice counts twice.
    const entry = (line: LogLine) => follower(line);
    this.#followers.add(entry);
    return () => {
      this.#followers.delete(entry);
    };
  }
}
