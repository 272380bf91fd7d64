import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { mkdir, readdir, readFile, readlink, rename, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { createLog, type Log } from "../log.js";
import type { ReleaseInfo, VersionInfo } from "../protocol.js";
import { copyDurable } from "../staging/copy-durable.js";
import { fsyncDir } from "../staging/fsync-dir.js";
import * as z from "../zod.js";

const ID = /^\d{8}T\d{6}Z-[0-9a-f]{12}$/;

/**
 * The keptAt of a folder app's release that was never live (staged, or a deploy that
 * failed): older than every kept one, so it is pruned first and never the default
 * rollback; keep() gives it a real time once it has been live and is replaced.
 */
export const NEVER_LIVE = new Date(0).toISOString();

/** What a release says of its build, without its bookkeeping (id, keptAt). */
export function versionOfRelease(release: ReleaseInfo): VersionInfo {
  const { id: _id, keptAt: _k, ...version } = release;
  return version;
}

/** A release's id: when it was made and the first digits of its digest. */
export function releaseId(at: Date, sha256: string): string {
  return `${at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${sha256.slice(0, 12)}`;
}

export const releaseSchema = z.object({
  id: z.string().check(z.regex(ID)),
  keptAt: z.iso.datetime(),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  size: z.number().check(z.int(), z.nonnegative()),
  mtime: z.string(),
  version: z.optional(z.string()),
  fileVersion: z.optional(z.string()),
  productVersion: z.optional(z.string()),
  productName: z.optional(z.string()),
}) satisfies z.ZodMiniType<ReleaseInfo>;

export interface ReleasesOptions {
  /** Where a release that could not be read or removed is reported. */
  log?: Log;
  /**
   * A folder app's releases (dir/releases/<id>/ with <id>.json beside it): the links
   * (current, staged) whose releases are live or staged, so neither kept nor pruned.
   */
  folder?: { links: string[] };
  /** The removal, so tests can make one fail. */
  rm?: typeof fsp.rm;
}

// The kept copies of earlier exeFiles: data/releases/<app>/<id>/<exe name> with
// a meta.json beside it. The file keeps its name so Windows still sees an .exe.
// A folder app's are its release folders, dir/releases/<id>/ with <id>.json beside
// (outside, so no file of an archive can pose as it): every one but the live and the
// staged one is kept, and keeping the live one when it is replaced copies nothing.
export class Releases {
  private readonly log: Log;
  private readonly rm: typeof fsp.rm;
  readonly folder: ReleasesOptions["folder"];

  constructor(
    readonly dir: string,
    private readonly exeName: string,
    options: ReleasesOptions = {},
  ) {
    this.log = options.log ?? createLog("releases");
    this.rm = options.rm ?? fsp.rm;
    this.folder = options.folder;
  }

  /** The kept file, or a folder app's release folder. */
  fileOf(release: ReleaseInfo): string {
    return this.folder ? join(this.dir, release.id) : join(this.dir, release.id, this.exeName);
  }

  private metaFile(id: string): string {
    return this.folder ? join(this.dir, `${id}.json`) : join(this.dir, id, "meta.json");
  }

  /** A folder app's release folder and its meta, once it is whole: written, flushed, renamed. */
  async add(release: ReleaseInfo): Promise<void> {
    const meta = this.metaFile(release.id);
    await writeFile(`${meta}.tmp`, JSON.stringify(release, null, 2), { flush: true });
    await rename(`${meta}.tmp`, meta);
    await fsyncDir(this.dir);
  }

  /** The release ids the folder app's links (current, staged) point at. */
  private async linked(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const link of this.folder?.links ?? []) {
      try {
        // releases/<id> on POSIX; a Windows junction reads back absolute (C:\...\<id>).
        ids.add(basename(await readlink(link)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    return ids;
  }

  /**
   * Every release whose build is whole on disk: the kept ones and, for a folder app,
   * the live and staged ones too (their folders are releases like the rest).
   */
  whole(): Promise<ReleaseInfo[]> {
    return this.folder ? this.all() : this.list();
  }

  /** Every release of a folder app with its meta, the live and staged ones too. */
  async all(): Promise<ReleaseInfo[]> {
    const releases: ReleaseInfo[] = [];
    for (const name of (await this.names()).filter((n) => ID.test(n))) {
      const release = await this.readMeta(name);
      if (release) releases.push(release);
    }
    return releases;
  }

  /**
   * Most recently replaced first. No releases folder means none yet; any other
   * failure to read it throws, so "cannot tell" never reads as "none".
   */
  async list(): Promise<ReleaseInfo[]> {
    const linked = await this.linked();
    const releases = (await this.all()).filter((r) => !linked.has(r.id));
    return releases.sort((a, b) => b.keptAt.localeCompare(a.keptAt) || b.id.localeCompare(a.id));
  }

  private async names(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new Error(`cannot read the releases folder ${this.dir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  // A folder whose meta is missing, torn or not a release's (its id must be the
  // folder's own) is not a release; one that cannot be read at all is an error.
  private async readMeta(name: string): Promise<ReleaseInfo | undefined> {
    const file = this.metaFile(name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.log("warn", `${file} is not JSON: not counted as a release`);
      return undefined;
    }
    const parsed = releaseSchema.safeParse(value);
    if (!parsed.success || parsed.data.id !== name) {
      this.log("warn", `${file} does not describe release ${name}: not counted as a release`);
      return undefined;
    }
    return parsed.data;
  }

  /** Looks a release up by exact id; ids never reach the file system otherwise. */
  async find(id: string): Promise<ReleaseInfo | undefined> {
    return (await this.list()).find((r) => r.id === id);
  }

  // Copies exeFile into a new release (or finds the one with the same bytes),
  // flushed to disk before it counts: the kept copy must exist before the swap.
  async keep(exeFile: string, info: VersionInfo): Promise<ReleaseInfo> {
    const keptAt = new Date();
    const existing = (await this.whole()).find((r) => r.sha256 === info.sha256);
    if (!existing && this.folder)
      throw new Error(`the live release (${exeFile}) has no meta in ${this.dir}: cannot keep it`);
    if (existing) {
      // The same bytes were kept before: that release is now the most recently replaced one.
      const refreshed = { ...existing, keptAt: keptAt.toISOString() };
      const meta = this.metaFile(existing.id);
      await writeFile(`${meta}.tmp`, JSON.stringify(refreshed, null, 2), { flush: true });
      await rename(`${meta}.tmp`, meta); // a crash mid-write must not lose the release
      await fsyncDir(this.dir);
      return refreshed;
    }
    const id = releaseId(keptAt, info.sha256);
    const release: ReleaseInfo = { ...info, id, keptAt: keptAt.toISOString() };
    const tmp = join(this.dir, `.tmp-${randomBytes(4).toString("hex")}`);
    await mkdir(tmp, { recursive: true });
    const file = join(tmp, this.exeName);
    if ((await copyDurable(exeFile, file)) !== info.sha256) {
      await this.rm(tmp, { recursive: true, force: true });
      throw new Error(`${exeFile} changed while it was being kept; try again`);
    }
    await writeFile(join(tmp, "meta.json"), JSON.stringify(release, null, 2));
    await rename(tmp, join(this.dir, id));
    await fsyncDir(this.dir);
    return release;
  }

  /**
   * Keeps the newest `count`, and never the ones named in `protect`; returns how
   * many releases were removed. One that cannot be removed is logged, not counted.
   */
  async prune(count: number, protect: string[] = []): Promise<number> {
    const all = await this.list();
    let removed = 0;
    for (const release of all.slice(count)) {
      if (protect.includes(release.id)) continue;
      if (await this.remove(release.id, `release ${release.id}`)) removed++;
    }
    for (const name of await this.names()) {
      if (name.startsWith(".tmp-")) await this.remove(name, "the half-kept folder");
    }
    if (this.folder) {
      // A folder app's release folder without its meta (a crash between the unpack's
      // rename and the meta) is no release: nothing links to it, nothing will.
      const linked = await this.linked();
      const described = new Set((await this.all()).map((r) => r.id));
      for (const name of await this.names()) {
        if (ID.test(name) && !described.has(name) && !linked.has(name))
          await this.remove(name, "the release folder without its meta");
        else if (name.endsWith(".json.tmp")) await this.remove(name, "a half-written meta");
      }
    }
    return removed;
  }

  private async remove(name: string, what: string): Promise<boolean> {
    const path = join(this.dir, name);
    try {
      // A folder app's meta goes first: a folder without one is no release any more.
      if (this.folder && ID.test(name)) await this.rm(this.metaFile(name), { force: true });
      await this.rm(path, { recursive: true, force: true });
      return true;
    } catch (error) {
      this.log("warn", `could not remove ${what} (${path}): ${(error as Error).message}`);
      return false;
    }
  }
}
