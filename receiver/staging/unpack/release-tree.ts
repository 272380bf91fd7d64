import { constants } from "node:fs";
import { chmod, link, mkdir, open, symlink } from "node:fs/promises";
import { join } from "node:path";
import { entryPath } from "./entry-path.js";
import { linkTarget } from "./link-target.js";
import { refusal } from "./refusal.js";

export interface UnpackLimits {
  maxUnpackedBytes: number;
  maxFiles: number;
}
export type UnpackProgress = (p: { files: number; bytes: number }) => void;

type Made = "dir" | "file" | "link";
// Creates only; never opens what is there already, never follows a link at the end.
const CREATE =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
const PROGRESS_EVERY = 8 << 20;

// The only code that writes into a release. Every path goes through folders it
// made itself, one mkdir at a time, from the fresh release folder: a link made
// earlier is known by name and never written through, and anything else on disk
// (a case-folding twin on Windows or macOS) fails the exclusive create. So nothing
// is written outside, not even for a moment. Each file is flushed before it is
// closed, so a release whose meta is written (after the unpack) survives a power loss;
// the caller flushes the folders and removes a release a crash left half made.
export class ReleaseTree {
  files = 0;
  bytes = 0;
  readonly #made = new Map<string, Made>([["", "dir"]]);
  #reported = 0;

  constructor(
    readonly root: string,
    readonly limits: UnpackLimits,
    readonly onProgress?: UnpackProgress,
  ) {}

  async directory(name: string): Promise<void> {
    const path = this.#entry(name);
    if (this.#made.get(path) !== "dir") await this.#place(path, name, "dir", makeDir);
    this.#progress();
  }

  // Bytes are counted as they stream, not as claimed; the claim only refuses early.
  async file(
    name: string,
    mode: number | undefined,
    data: AsyncIterable<Buffer> | Iterable<Buffer>,
    claimed = 0,
  ) {
    const path = this.#entry(name);
    const max = this.limits.maxUnpackedBytes;
    if (this.bytes + claimed > max) throw refusal.tooLarge(name, max);
    const perm = (mode ? mode & 0o777 : 0o644) & ~0o022; // never setuid, setgid, sticky
    const handle = await this.#place(path, name, "file", (to) => open(to, CREATE, perm));
    try {
      for await (const chunk of data) {
        this.bytes += chunk.length;
        if (this.bytes > max) throw refusal.tooLarge(name, max);
        await handle.write(chunk);
        if (this.bytes - this.#reported >= PROGRESS_EVERY) this.#progress();
      }
      await handle.chmod(perm); // the create's mode went through the umask
      await handle.datasync(); // on disk before the release's meta says it is whole
    } finally {
      await handle.close();
    }
    this.#progress();
  }

  async symlink(name: string, target: string): Promise<void> {
    const path = this.#entry(name);
    const to = linkTarget(path, target);
    await this.#place(path, name, "link", (at) => symlink(to, at));
    this.#progress();
  }

  // A hard link shares an earlier file of this archive, nothing else.
  async hardLink(name: string, target: string): Promise<void> {
    const path = this.#entry(name);
    let from: string;
    try {
      from = entryPath(target);
    } catch {
      throw refusal.hardLink(name, target);
    }
    if (this.#made.get(from) !== "file") throw refusal.hardLink(name, target);
    await this.#place(path, name, "file", (at) => link(join(this.root, from), at));
    this.#progress();
  }

  #entry(name: string): string {
    const path = entryPath(name);
    if (++this.files > this.limits.maxFiles) throw refusal.tooManyFiles(name, this.limits.maxFiles);
    return path;
  }

  // Makes each missing parent, refuses a parent that is a link or a file, and
  // creates the entry with `make`, which fails if anything is there already.
  async #place<T>(path: string, name: string, kind: Made, make: (at: string) => Promise<T>) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const made = this.#made.get(parent);
      if (made === "link") throw refusal.throughLink(name, parent);
      if (made === "file") throw refusal.duplicate(name, `is inside the file ${parent}`);
      if (made === undefined) await this.#disk(name, () => makeDir(join(this.root, parent)));
      this.#made.set(parent, "dir");
    }
    if (this.#made.has(path)) throw refusal.duplicate(name, "is in the archive twice");
    const made = await this.#disk(name, () => make(join(this.root, ...parts)));
    this.#made.set(path, kind);
    return made;
  }

  async #disk<T>(name: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      throw refusal.write(name, error);
    }
  }

  #progress() {
    this.#reported = this.bytes;
    this.onProgress?.({ files: this.files, bytes: this.bytes });
  }
}

// Folders are 0755 whatever the archive says: the receiver must be able to
// write and later remove them, and the app to read them.
async function makeDir(at: string): Promise<void> {
  await mkdir(at, { mode: 0o755 });
  await chmod(at, 0o755);
}
