import { open, rename, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

interface Settle {
  resolve(): void;
  reject(error: unknown): void;
}
type Ask =
  { kind: "append"; text: string } | { kind: "replace"; text: () => string } | { kind: "close" };
type Op = Ask & { done: Settle };

// A file of lines written off the event loop, in the order asked. Each append
// resolves once its text is written (with `durable`, once it is on disk: write,
// then datasync); appends that arrive while a write runs go out together in the
// next one (group commit), so a burst of N appends costs far fewer than N
// datasyncs. A failed write rejects the appends it carried, and the next write
// starts on a fresh line so a torn fragment cannot swallow it.
export class AppendFile {
  #queue: Op[] = [];
  #running = false;
  #drained: Promise<void> = Promise.resolve();
  #handle?: FileHandle;
  /** The file may end inside a line (a failed or crashed write): start the next one afresh. */
  #torn = false;
  #syncs = 0;

  constructor(
    readonly path: string,
    private readonly durable = true,
  ) {}

  /** How many times the file was flushed to disk (tests and the bench count group commits). */
  get syncs(): number {
    return this.#syncs;
  }

  /** Whether something is queued or being written. */
  get busy(): boolean {
    return this.#running;
  }

  /** Appends whole lines; resolves when written (on disk, if durable). */
  append(text: string): Promise<void> {
    return this.#enqueue({ kind: "append", text });
  }

  /**
   * Replaces the whole file, in order with the appends around it: what `text()`
   * returns when its turn comes goes to a temp file, flushed, then renamed over.
   */
  replace(text: () => string): Promise<void> {
    return this.#enqueue({ kind: "replace", text });
  }

  /** Closes the handle once what is queued before is written; a later append opens it again. */
  close(): Promise<void> {
    return this.#enqueue({ kind: "close" });
  }

  /** Settles once everything asked so far is done (never rejects). */
  idle(): Promise<void> {
    return this.#drained;
  }

  #enqueue(ask: Ask): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.#queue.push({ ...ask, done: { resolve, reject } });
    });
    if (!this.#running) {
      this.#running = true;
      this.#drained = this.#run();
    }
    return done;
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length) {
        const op = this.#queue[0]!;
        if (op.kind === "append") await this.#appendBatch();
        else {
          this.#queue.shift();
          await (op.kind === "replace" ? this.#replace(op.text) : this.#drop()).then(
            () => op.done.resolve(),
            (error: unknown) => op.done.reject(error),
          );
        }
      }
    } finally {
      this.#running = false;
    }
  }

  // Every append at the head of the queue goes out in one write and one datasync.
  async #appendBatch(): Promise<void> {
    let n = 0;
    while (this.#queue[n]?.kind === "append") n++;
    const batch = this.#queue.splice(0, n) as Extract<Op, { kind: "append" }>[];
    try {
      const handle = (this.#handle ??= await this.#open());
      const text = batch.map((op) => op.text).join("");
      await writeAll(handle, Buffer.from(this.#torn ? "\n" + text : text));
      this.#torn = false;
      if (this.durable) {
        await handle.datasync();
        this.#syncs++;
      }
      for (const op of batch) op.done.resolve();
    } catch (error) {
      // What part of the batch reached the file is unknown: none of it counts.
      this.#torn = true;
      await this.#drop();
      for (const op of batch) op.done.reject(error);
    }
  }

  // Opens for appending and notes whether the file ends mid-line (a crash mid-write).
  async #open(): Promise<FileHandle> {
    const handle = await open(this.path, "a+");
    try {
      const { size } = await handle.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) this.#torn = true;
      }
      return handle;
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  // Written whole and flushed before the old file goes, so a crash leaves one or the other.
  async #replace(text: () => string): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(text());
      if (this.durable) await handle.datasync();
    } finally {
      await handle.close();
    }
    // Windows cannot always rename over a file that is open.
    await this.#drop();
    await rename(tmp, this.path);
    this.#torn = false;
    if (this.durable) {
      await syncDir(dirname(this.path));
      this.#syncs++;
    }
  }

  async #drop(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
  }
}

// A write may take less than it was given; FileHandle.appendFile would loop too,
// at twice the cost on the event loop of a plain write.
async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  for (let offset = 0; offset < buffer.length;) {
    offset += (await handle.write(buffer, offset)).bytesWritten;
  }
}

// A rename is on disk only once its folder is. Windows cannot open a folder to
// flush it, and NTFS journals the rename itself.
async function syncDir(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
