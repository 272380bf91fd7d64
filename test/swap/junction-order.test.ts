// A folder app's links the Windows way, on Linux with real files: a symlink with an
// absolute target stands for the directory junction, and an fs that refuses to rename
// over a link (EPERM, as MoveFileEx refuses to replace a directory) stands for
// Windows' rename. What is tested is the order: current aside, the new link in, the
// aside one removed; staged removed, then the new one in; and recovery of a receiver
// that died between current's two renames.
import * as fsp from "node:fs/promises";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal } from "../../receiver/journal/journal.js";
import type { ReleaseInfo } from "../../receiver/protocol.js";
import {
  asidePath,
  linkRelease,
  moveLink,
  removeLink,
  replaceExe,
  type ReplaceOptions,
} from "../../receiver/swap/exe-file.js";
import { recover } from "../../receiver/swap/recover.js";
import { NEVER_LIVE, releaseId, Releases } from "../../receiver/swap/releases.js";
import { SwapRecordFile } from "../../receiver/swap/swap-record.js";

let dir: string;
let current: string;
let staged: string;
let releases: Releases;
let journal: Journal;
let record: SwapRecordFile;
let a: ReleaseInfo;
let b: ReleaseInfo;

const sha = (c: string) => c.repeat(64);

async function release(name: "a" | "b", at: number): Promise<ReleaseInfo> {
  const info: ReleaseInfo = {
    id: releaseId(new Date(at), sha(name)),
    keptAt: NEVER_LIVE,
    sha256: sha(name),
    size: 1,
    mtime: new Date(at).toISOString(),
  };
  await mkdir(join(releases.fileOf(info), "lib"), { recursive: true });
  await writeFile(join(releases.fileOf(info), "lib", "data.txt"), `data of ${name}\n`);
  await releases.add(info);
  return info;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-junction-"));
  const app = join(dir, "srv", "shop");
  current = join(app, "current");
  staged = join(app, "staged");
  releases = new Releases(join(app, "releases"), "", { folder: { links: [current, staged] } });
  journal = new Journal(join(dir, ".hotswap"));
  record = new SwapRecordFile(join(dir, ".hotswap", "apps", "shop", "swap.json"));
  a = await release("a", Date.UTC(2024, 0, 1));
  b = await release("b", Date.UTC(2024, 0, 2));
});
afterEach(async () => {
  await journal.close();
  await rm(dir, { recursive: true, force: true });
});

const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
const present = (p: string) =>
  fsp.lstat(p).then(
    () => true,
    () => false,
  );

// Windows' rename as a folder app meets it: nothing is renamed over a directory or a
// junction. `stuck` makes renames of that source fail with EBUSY, forever.
function windowsFs(stuck?: string) {
  const calls: string[] = [];
  const fs: NonNullable<ReplaceOptions["fs"]> = {
    lstat: fsp.lstat,
    unlink: async (p) => {
      calls.push(`unlink ${basename(String(p))}`);
      return fsp.unlink(p);
    },
    rename: async (from, to) => {
      calls.push(`rename ${basename(String(from))} ${basename(String(to))}`);
      if (String(from) === stuck) throw errno("EBUSY");
      if (await present(String(to))) throw errno("EPERM");
      return fsp.rename(from, to);
    },
  };
  return { fs, calls };
}

const win32 = (fs: ReplaceOptions["fs"]): ReplaceOptions => ({
  platform: "win32",
  fs,
  retryDelayMs: 1,
});
const linkedTo = async (link: string) => basename(await realpath(link));
const appFolder = async () => (await readdir(join(dir, "srv", "shop"))).sort();

describe("a folder app's links on Windows", () => {
  it("are absolute, as a junction must be (POSIX links are relative), and count as linked", async () => {
    await linkRelease(releases.fileOf(a), current, "win32");
    await linkRelease(releases.fileOf(b), staged, "linux");
    expect(isAbsolute(await readlink(current))).toBe(true);
    expect(await readlink(staged)).toBe(join("releases", b.id));
    expect(await readFile(join(current, "lib", "data.txt"), "utf8")).toBe("data of a\n");
    // Neither the live nor the staged release is kept (nor pruned), whatever the link's form.
    expect(await releases.list()).toEqual([]);
    await removeLink(staged);
    expect((await releases.list()).map((r) => r.id)).toEqual([b.id]);
  });

  it("swap current aside, then the new link in, then remove the aside one", async () => {
    await linkRelease(releases.fileOf(a), current, "win32");
    await linkRelease(releases.fileOf(b), staged, "win32");
    const { fs, calls } = windowsFs();
    await replaceExe(staged, current, win32(fs));
    expect(calls).toEqual([
      "unlink current.hotswap-old", // clearing the aside name: nothing there
      "rename current current.hotswap-old",
      "rename staged current",
      "unlink current.hotswap-old",
    ]);
    expect(await linkedTo(current)).toBe(b.id);
    expect(await appFolder()).toEqual(["current", "releases"]);
    // Removing the aside link left the release it pointed at whole.
    expect(await readFile(join(releases.fileOf(a), "lib", "data.txt"), "utf8")).toBe("data of a\n");
  });

  it("would be refused a POSIX rename over current (the stand-in for Windows is faithful)", async () => {
    await linkRelease(releases.fileOf(a), current, "win32");
    await linkRelease(releases.fileOf(b), staged, "win32");
    const { fs } = windowsFs();
    await expect(
      replaceExe(staged, current, { platform: "linux", fs, retryDelayMs: 1 }),
    ).rejects.toMatchObject({
      code: "EPERM",
    });
    await expect(moveLink(staged, current, { platform: "linux", fs })).rejects.toMatchObject({
      code: "EPERM",
    });
    expect(await linkedTo(current)).toBe(a.id);
  });

  it("put current back when the new link cannot move in", async () => {
    await linkRelease(releases.fileOf(a), current, "win32");
    await linkRelease(releases.fileOf(b), staged, "win32");
    const { fs } = windowsFs(staged);
    await expect(replaceExe(staged, current, win32(fs))).rejects.toMatchObject({ code: "EBUSY" });
    expect(await linkedTo(current)).toBe(a.id);
    expect(await linkedTo(staged)).toBe(b.id);
    expect(await present(asidePath(current))).toBe(false);
  });

  it("replace staged by removing the old link first, then moving the new one in", async () => {
    await linkRelease(releases.fileOf(a), staged, "win32");
    await linkRelease(releases.fileOf(b), `${staged}.tmp`, "win32");
    const { fs, calls } = windowsFs();
    await moveLink(`${staged}.tmp`, staged, win32(fs));
    expect(calls).toEqual(["unlink staged", "rename staged.tmp staged"]);
    expect(await linkedTo(staged)).toBe(b.id);
    expect(await readFile(join(releases.fileOf(a), "lib", "data.txt"), "utf8")).toBe("data of a\n");
  });

  it("are removed as links: never the release's files, and a real folder is refused", async () => {
    await linkRelease(releases.fileOf(a), current, "win32");
    await removeLink(current);
    await removeLink(current); // nothing there: fine
    expect(await present(current)).toBe(false);
    expect(await readdir(join(releases.fileOf(a), "lib"))).toEqual(["data.txt"]);
    await mkdir(staged);
    await expect(removeLink(staged)).rejects.toMatchObject({ code: expect.any(String) });
    expect(await present(staged)).toBe(true);
  });
});

describe("recovery of a folder app cut between current's two renames (Windows order)", () => {
  // current → a was renamed aside, staged → b not yet in: current is missing.
  async function cutMidSwap() {
    await linkRelease(releases.fileOf(a), current, "win32");
    await linkRelease(releases.fileOf(b), staged, "win32");
    const kept = await releases.keep(current, { sha256: a.sha256, size: 1, mtime: a.mtime });
    await rename(current, asidePath(current));
    return kept;
  }

  it("puts the aside link back: current is the old release, whole", async () => {
    const kept = await cutMidSwap();
    record.write({
      deployId: "d-1",
      op: "deploy",
      phase: "swap",
      kept: kept.id,
      oldSha256: a.sha256,
      newSha256: b.sha256,
      startedAt: new Date().toISOString(),
    });
    const { fs, calls } = windowsFs();
    const recovery = await recover("shop", current, record, releases, journal, win32(fs));
    expect(calls).toContain("rename current.hotswap-old current");
    expect(await linkedTo(current)).toBe(a.id);
    expect(recovery?.message).toContain("exeFile is the old file");
    expect(recovery?.fallback).toBeUndefined();
    expect(record.read()).toEqual({ state: "none" });
    expect(await appFolder()).toEqual(["current", "releases", "staged"]);
  });

  it("puts the aside link back when the swap record is damaged too", async () => {
    await cutMidSwap();
    await mkdir(join(dir, ".hotswap", "apps", "shop"), { recursive: true });
    await writeFile(record.file, '{"deployId":"d-1","op":"dep');
    const { fs } = windowsFs();
    const recovery = await recover("shop", current, record, releases, journal, win32(fs));
    expect(recovery?.message).toContain("recovery put the aside file back");
    expect(await linkedTo(current)).toBe(a.id);
    expect(await present(asidePath(current))).toBe(false);
  });
});
