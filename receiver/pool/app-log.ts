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
  /** Its size in UTF-8 bytes, for the buffer's byte bound. */
  bytes: number;
}

export interface AppLogLimits {
  maxLines: number;
  maxBytes: number;
}

export const APP_LOG_LIMITS: AppLogLimits = { maxLines: 1000, maxBytes: 1024 * 1024 };

/** What a line costs the buffer beyond its text: the object and its fields. */
const LINE_OVERHEAD_BYTES = 64;

// An app's recent output, every server's lines in the order they were read, for
// GET /v1/apps/{app}/logs and the admin page's Output view (docs/design.md §7). Bounded
// by lines and by bytes, so a chatty server costs the receiver at most maxBytes; the
// oldest lines go first. Followers are called for every new line, synchronously, and
// must not block: each bounds its own queue (api/app-logs.ts, admin/routes/live-events.ts).
export class AppLog {
  readonly #limits: AppLogLimits;
  /** A queue without shift(): live lines are #items[#head..]. */
  #items: LogLine[] = [];
  #head = 0;
  #bytes = 0;
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

  get bytes(): number {
    return this.#bytes;
  }

  /** How many follow this log now: the leak check of the follow stream's tests. */
  get followers(): number {
    return this.#followers.size;
  }

  push(line: LogLine): void {
    this.#items.push(line);
    this.#bytes += line.bytes + LINE_OVERHEAD_BYTES;
    const { maxLines, maxBytes } = this.#limits;
    while (this.size > maxLines || (this.#bytes > maxBytes && this.size > 1)) {
      const old = this.#items[this.#head]!;
      this.#bytes -= old.bytes + LINE_OVERHEAD_BYTES;
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
