// The kept copies of earlier exeFiles, on real files: what keep() writes, how a
// re-kept file is found again, what prune() keeps, and what lookups can reach.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReleaseInfo, VersionInfo } from "../../receiver/protocol.js";
import { Releases } from "../../receiver/swap/releases.js";
import { versionInfo } from "../../receiver/version/version-info.js";
import { waitFor } from "../helpers/wait-for.js";

let dir: string;
let exeFile: string;
let releases: Releases;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-releases-"));
  await mkdir(join(dir, "deploy"));
  exeFile = join(dir, "deploy", "webdemo.exe");
  releases = new Releases(join(dir, "data", "releases", "webdemo"), basename(exeFile));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Puts `content` in exeFile and keeps it, as a swap does before the new file goes in.
async function keep(content: string): Promise<ReleaseInfo> {
  await writeFile(exeFile, content);
  const info = (await versionInfo(exeFile)) as VersionInfo;
  return releases.keep(exeFile, info);
}

// keptAt has millisecond resolution: let the clock move on so "newer" means newer.
const nextMillisecond = (after: ReleaseInfo) =>
  waitFor(() => new Date().toISOString() > after.keptAt, "the clock to move on");

describe("keep", () => {
  it("copies the bytes and writes the meta beside them", async () => {
    await writeFile(exeFile, "version one");
    const info = (await versionInfo(exeFile))!;
    const release = await releases.keep(exeFile, info);
    expect(release).toMatchObject(info);
    expect(release.id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{12}$/);
    expect(release.id.endsWith(info.sha256.slice(0, 12))).toBe(true);
    expect(releases.fileOf(release)).toBe(join(releases.dir, release.id, "webdemo.exe"));
    expect(await readFile(releases.fileOf(release), "utf8")).toBe("version one");
    const meta = JSON.parse(await readFile(join(releases.dir, release.id, "meta.json"), "utf8"));
    expect(meta).toEqual(release);
    expect(await releases.list()).toEqual([release]);
    // exeFile itself is untouched, and no temp folder is left.
    expect(await readFile(exeFile, "utf8")).toBe("version one");
    expect(await readdir(releases.dir)).toEqual([release.id]);
  });

  it("reuses the release of the same bytes and makes it the most recently replaced", async () => {
    const one = await keep("one");
    await nextMillisecond(one);
    const two = await keep("two");
    expect((await releases.list()).map((r) => r.id)).toEqual([two.id, one.id]);
    await nextMillisecond(two);
    const again = await keep("one");
    expect(again.id).toBe(one.id);
    expect(again.keptAt > one.keptAt).toBe(true);
    const list = await releases.list();
    expect(list.map((r) => r.id)).toEqual([one.id, two.id]);
    expect(list[0]).toEqual(again);
    expect(await readdir(releases.dir)).toHaveLength(2);
  });
});

describe("prune", () => {
  it("keeps the newest N and the protected ones", async () => {
    const kept: ReleaseInfo[] = [];
    for (const content of ["a", "b", "c", "d", "e"]) {
      if (kept.length) await nextMillisecond(kept.at(-1)!);
      kept.push(await keep(content));
    }
    const [a, b, , d, e] = kept;
    await releases.prune(2, [b!.id]);
    const left = (await releases.list()).map((r) => r.id);
    expect(left).toEqual([e!.id, d!.id, b!.id]);
    expect((await readdir(releases.dir)).sort()).toEqual(left.slice().sort());
    expect(await releases.find(a!.id)).toBeUndefined();
  });

  it("removes half-written .tmp- folders, which list() never shows", async () => {
    const real = await keep("real");
    const tmp = join(releases.dir, ".tmp-deadbeef");
    await mkdir(tmp);
    await writeFile(join(tmp, "webdemo.exe"), "half");
    await writeFile(
      join(tmp, "meta.json"),
      JSON.stringify({ ...real, id: ".tmp-deadbeef", sha256: "f".repeat(64) }),
    );
    expect((await releases.list()).map((r) => r.id)).toEqual([real.id]);
    await releases.prune(5);
    expect(await readdir(releases.dir)).toEqual([real.id]);
  });

  it("does nothing when there is no releases folder yet", async () => {
    expect(await releases.prune(1)).toBe(0);
    expect(await releases.list()).toEqual([]);
  });

  it("counts only what it removed and logs what it could not remove", async () => {
    const kept: ReleaseInfo[] = [];
    for (const content of ["a", "b", "c"]) {
      if (kept.length) await nextMillisecond(kept.at(-1)!);
      kept.push(await keep(content));
    }
    const [a, b] = kept;
    const logged: string[] = [];
    const stubborn = new Releases(releases.dir, basename(exeFile), {
      log: (level, message) => logged.push(`${level} ${message}`),
      rm: async (path, options) => {
        if (String(path).endsWith(a!.id)) throw new Error("EBUSY: resource busy or locked");
        return rm(path, options);
      },
    });
    expect(await stubborn.prune(1)).toBe(1);
    expect((await releases.list()).map((r) => r.id)).toEqual([kept[2]!.id, a!.id]);
    expect(await releases.find(b!.id)).toBeUndefined();
    expect(logged).toEqual([
      expect.stringMatching(`warn could not remove release ${a!.id}.*EBUSY`),
    ]);
  });
});

describe("list", () => {
  it("reports a releases path it cannot read (a file: ENOTDIR) instead of finding none", async () => {
    await mkdir(join(dir, "data", "releases"), { recursive: true });
    await writeFile(releases.dir, "not a folder");
    await expect(releases.list()).rejects.toThrow(/cannot read the releases folder .*ENOTDIR/);
    await expect(releases.prune(1)).rejects.toThrow(/ENOTDIR/);
  });

  it("reports a meta.json it cannot read (a folder: EISDIR)", async () => {
    await keep("good");
    await mkdir(join(releases.dir, "20240101T000000Z-0123456789ab", "meta.json"), {
      recursive: true,
    });
    await expect(releases.list()).rejects.toThrow(/meta\.json.*EISDIR/);
  });

  it("does not count a meta of the wrong shape, or another folder's, as a release", async () => {
    const good = await keep("good");
    const logged: string[] = [];
    const watched = new Releases(releases.dir, basename(exeFile), {
      log: (_, message) => logged.push(message),
    });
    const other = "20240101T000000Z-0123456789ab";
    await mkdir(join(releases.dir, other));
    await writeFile(join(releases.dir, other, "meta.json"), JSON.stringify(good));
    const wrong = "20240101T000001Z-0123456789ab";
    await mkdir(join(releases.dir, wrong));
    await writeFile(
      join(releases.dir, wrong, "meta.json"),
      JSON.stringify({ ...good, id: wrong, sha256: 42 }),
    );
    expect((await watched.list()).map((r) => r.id)).toEqual([good.id]);
    expect(logged).toHaveLength(2);
    expect(logged.join("\n")).toContain(`does not describe release ${other}`);
  });
});

describe("find", () => {
  it("finds a release by its exact id only", async () => {
    const release = await keep("one");
    expect(await releases.find(release.id)).toEqual(release);
    expect(await releases.find(release.id.slice(0, -1))).toBeUndefined();
    expect(await releases.find(`${release.id}/`)).toBeUndefined();
    expect(await releases.find(release.id.toUpperCase())).toBeUndefined();
  });

  it("cannot be led out of the releases folder", async () => {
    await keep("one");
    // A folder beside the releases folder that looks like a release.
    const outside = join(releases.dir, "..", "x");
    await mkdir(outside);
    await writeFile(join(outside, "meta.json"), JSON.stringify({ id: "../x", sha256: "0" }));
    for (const id of ["../x", "..", ".", "", "../webdemo", "/etc/passwd"])
      expect(await releases.find(id)).toBeUndefined();
  });

  it("skips a release folder whose meta is unreadable", async () => {
    const good = await keep("good");
    const broken = join(releases.dir, "20240101T000000Z-0123456789ab");
    await mkdir(broken);
    await writeFile(join(broken, "meta.json"), '{"id": "20240101T0000');
    expect((await releases.list()).map((r) => r.id)).toEqual([good.id]);
  });
});
