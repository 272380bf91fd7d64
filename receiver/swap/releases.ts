import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { copyDurable } from "../staging/copy-durable.js";
import { join } from "node:path";
import type { ReleaseInfo, VersionInfo } from "../protocol.js";
import { fsyncDir } from "../staging/fsync-dir.js";

const ID = /^\d{8}T\d{6}Z-[0-9a-f]{12}$/;

// The kept copies of earlier exeFiles: data/releases/<app>/<id>/<exe name> with
// a meta.json beside it. The file keeps its name so Windows still sees an .exe.
export class Releases {
  constructor(
    readonly dir: string,
    private readonly exeName: string,
  ) {}

  fileOf(release: ReleaseInfo): string {
    return join(this.dir, release.id, this.exeName);
  }

  /** Most recently replaced first. */
  async list(): Promise<ReleaseInfo[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const releases: ReleaseInfo[] = [];
    for (const name of names.filter((n) => ID.test(n))) {
      try {
        releases.push(
          JSON.parse(await readFile(join(this.dir, name, "meta.json"), "utf8")) as ReleaseInfo,
        );
      } catch {
        // half-written by a crash: not a release
      }
    }
    return releases.sort((a, b) => b.keptAt.localeCompare(a.keptAt) || b.id.localeCompare(a.id));
  }

  /** Looks a release up by exact id; ids never reach the file system otherwise. */
  async find(id: string): Promise<ReleaseInfo | undefined> {
    return (await this.list()).find((r) => r.id === id);
  }

  // Copies exeFile into a new release (or finds the one with the same bytes),
  // flushed to disk before it counts: the kept copy must exist before the swap.
  async keep(exeFile: string, info: VersionInfo): Promise<ReleaseInfo> {
    const keptAt = new Date();
    const existing = (await this.list()).find((r) => r.sha256 === info.sha256);
    if (existing) {
      // The same bytes were kept before: that release is now the most recently replaced one.
      const refreshed = { ...existing, keptAt: keptAt.toISOString() };
      const meta = join(this.dir, existing.id, "meta.json");
      await writeFile(`${meta}.tmp`, JSON.stringify(refreshed, null, 2));
      await rename(`${meta}.tmp`, meta); // a crash mid-write must not lose the release
      return refreshed;
    }
    const id = `${keptAt
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z")}-${info.sha256.slice(0, 12)}`;
    const release: ReleaseInfo = { ...info, id, keptAt: keptAt.toISOString() };
    const tmp = join(this.dir, `.tmp-${randomBytes(4).toString("hex")}`);
    await mkdir(tmp, { recursive: true });
    const file = join(tmp, this.exeName);
    if ((await copyDurable(exeFile, file)) !== info.sha256) {
      await rm(tmp, { recursive: true, force: true });
      throw new Error(`${exeFile} changed while it was being kept; try again`);
    }
    await writeFile(join(tmp, "meta.json"), JSON.stringify(release, null, 2));
    await rename(tmp, join(this.dir, id));
    await fsyncDir(this.dir);
    return release;
  }

  /** Keeps the newest `count`, and never the ones named in `protect`. */
  async prune(count: number, protect: string[] = []): Promise<void> {
    const all = await this.list();
    for (const release of all.slice(count)) {
      if (!protect.includes(release.id))
        await rm(join(this.dir, release.id), { recursive: true, force: true });
    }
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.startsWith(".tmp-"))
        await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }
}
