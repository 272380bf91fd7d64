// A receiver that died mid-swap leaves a swap record; recover() makes exeFile whole
// again from what is on disk, journals it, and says what to fall back to.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal } from "../../receiver/journal/journal.js";
import type { JournalEntry, ReleaseInfo } from "../../receiver/protocol.js";
import { recover } from "../../receiver/swap/recover.js";
import { Releases } from "../../receiver/swap/releases.js";
import { asidePath, restorePath } from "../../receiver/swap/exe-file.js";
import { SwapRecordFile, type SwapRecord } from "../../receiver/swap/swap-record.js";
import { versionInfo } from "../../receiver/version/version-info.js";

const OLD = "old build\n";
const NEW = "new build\n";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

let dir: string;
let exeFile: string;
let journal: Journal;
let releases: Releases;
let record: SwapRecordFile;
let kept: ReleaseInfo;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-recover-"));
  await mkdir(join(dir, "deploy"));
  exeFile = join(dir, "deploy", "webdemo");
  const data = join(dir, ".hotswap");
  journal = new Journal(data);
  releases = new Releases(join(data, "releases", "webdemo"), basename(exeFile));
  record = new SwapRecordFile(join(data, "apps", "webdemo", "swap.json"));
  // The old exe was kept before the swap began, as hotSwap does.
  await writeFile(exeFile, OLD);
  kept = await releases.keep(exeFile, (await versionInfo(exeFile))!);
});
afterEach(async () => {
  await journal.close();
  await rm(dir, { recursive: true, force: true });
});

function swapRecord(phase: SwapRecord["phase"], withKept = true): SwapRecord {
  return {
    deployId: "d-20240101-abc",
    op: "deploy",
    phase,
    kept: withKept ? kept.id : undefined,
    oldSha256: sha(OLD),
    newSha256: sha(NEW),
    startedAt: new Date().toISOString(),
  };
}

const run = () => recover("webdemo", exeFile, record, releases, journal);

async function journalEntries(): Promise<JournalEntry[]> {
  const text = await readFile(join(dir, ".hotswap", "journal.jsonl"), "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalEntry);
}

const deployFolder = async () => (await readdir(join(dir, "deploy"))).sort();

describe("SwapRecordFile", () => {
  it("reads back what it wrote, whole, and nothing once cleared", async () => {
    expect(record.read()).toEqual({ state: "none" });
    const rec = swapRecord("swap");
    record.write(rec);
    expect(record.read()).toEqual({ state: "found", record: rec });
    record.write({ ...rec, phase: "reload" });
    expect(record.read()).toMatchObject({ record: { phase: "reload" } });
    expect(await readdir(join(dir, ".hotswap", "apps", "webdemo"))).toEqual(["swap.json"]);
    record.clear();
    expect(record.read()).toEqual({ state: "none" });
    record.clear();
  });

  // An unreadable record still means a swap was under way: never "none".
  it.each([
    ["torn", '{"deployId":"d-1","op":"dep', /is not JSON/],
    ["of the wrong shape", '{"deployId":"d-1","op":"deploy","phase":"lunch"}', /phase/],
    ["not an object", "null", /not a swap record/],
  ])("reads a record that is %s as damaged, saying why", async (_, text, why) => {
    await mkdir(join(dir, ".hotswap", "apps", "webdemo"), { recursive: true });
    await writeFile(record.file, text);
    const read = record.read();
    expect(read.state).toBe("damaged");
    expect(read.state === "damaged" && read.reason).toMatch(why);
  });

  it("reads a record it cannot open (EISDIR) as damaged", async () => {
    await mkdir(record.file, { recursive: true });
    expect(record.read()).toMatchObject({ state: "damaged", reason: /EISDIR/ });
  });
});

describe("recover", () => {
  it("does nothing without a swap record", async () => {
    await expect(run()).resolves.toBeUndefined();
    expect(await journalEntries()).toEqual([]);
    expect(await readFile(exeFile, "utf8")).toBe(OLD);
  });

  it("puts the aside file back when exeFile is missing (Windows order, cut short)", async () => {
    await rm(exeFile);
    await writeFile(asidePath(exeFile), OLD);
    record.write(swapRecord("swap"));
    const recovery = await run();
    expect(await readFile(exeFile, "utf8")).toBe(OLD);
    expect(await deployFolder()).toEqual(["webdemo"]);
    expect(recovery?.fallback).toBeUndefined();
    expect(recovery?.message).toMatch(/"swap".*the old file/);
  });

  it("restores the kept release when exeFile and the aside file are both missing", async () => {
    await rm(exeFile);
    record.write(swapRecord("swap"));
    const recovery = await run();
    expect(await readFile(exeFile, "utf8")).toBe(OLD);
    expect(await deployFolder()).toEqual(["webdemo"]);
    // The release stays kept for a later roll back.
    expect(await readFile(releases.fileOf(kept), "utf8")).toBe(OLD);
    expect(recovery?.fallback).toBeUndefined();
  });

  it("journals an interrupted entry and clears the record", async () => {
    await rm(exeFile);
    await writeFile(asidePath(exeFile), OLD);
    record.write(swapRecord("swap"));
    const recovery = await run();
    const entries = await journalEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      deployId: "d-20240101-abc",
      app: "webdemo",
      op: "recover",
      outcome: "interrupted",
      message: recovery!.message,
      after: { sha256: sha(OLD), size: OLD.length },
    });
    expect(record.read()).toEqual({ state: "none" });
    await expect(run()).resolves.toBeUndefined();
  });

  it("falls back to the kept release when exeFile is the new file", async () => {
    await writeFile(exeFile, NEW);
    record.write(swapRecord("reload"));
    const recovery = await run();
    expect(recovery?.fallback).toEqual(kept);
    expect(recovery?.message).toMatch(/"reload".*the new file/);
    // recover leaves the new file in place: it is tried before the fallback.
    expect(await readFile(exeFile, "utf8")).toBe(NEW);
  });

  it("has no fallback when exeFile is the old file", async () => {
    record.write(swapRecord("unload"));
    const recovery = await run();
    expect(recovery?.fallback).toBeUndefined();
    expect(recovery?.message).toMatch(/the old file/);
  });

  it("has no fallback when nothing was kept, even if exeFile is the new file", async () => {
    await writeFile(exeFile, NEW);
    record.write(swapRecord("reload", false));
    expect((await run())?.fallback).toBeUndefined();
  });

  it("removes a half-made restore copy beside exeFile", async () => {
    await writeFile(restorePath(exeFile), OLD.slice(0, 3));
    record.write({ ...swapRecord("rollback"), op: "rollback" });
    await run();
    expect(await deployFolder()).toEqual(["webdemo"]);
    expect(await readFile(exeFile, "utf8")).toBe(OLD);
  });

  it("says exeFile is missing when there is nothing to restore it from", async () => {
    await rm(exeFile);
    record.write(swapRecord("swap", false));
    const recovery = await run();
    expect(recovery?.message).toMatch(/missing/);
    expect(recovery?.fallback).toBeUndefined();
    expect((await journalEntries())[0]?.outcome).toBe("interrupted");
  });
});

describe("recover, with a damaged swap record", () => {
  const damage = async () => {
    await mkdir(join(dir, ".hotswap", "apps", "webdemo"), { recursive: true });
    await writeFile(record.file, '{"deployId":"d-20240101-abc","op":"dep');
  };
  // What runSwap journals before the swap: the old file and the new one's digest.
  const journalStarted = async () => {
    const info = (text: string) => ({ sha256: sha(text), size: text.length, mtime: "x" });
    await journal.append({
      deployId: "d-20240101-abc",
      app: "webdemo",
      op: "deploy",
      outcome: "started",
      at: new Date().toISOString(),
      before: info(OLD),
      after: info(NEW),
    });
  };

  it("keeps the new file, falls back to the kept release, journals and sets the record aside", async () => {
    await journalStarted();
    await writeFile(exeFile, NEW);
    await damage();
    const recovery = await run();
    expect(await readFile(exeFile, "utf8")).toBe(NEW);
    expect(recovery?.fallback).toEqual(kept);
    expect(recovery?.message).toMatch(/record is damaged .*is not JSON.*deploy d-20240101-abc/);
    expect(recovery?.message).toMatch(/kept it: exeFile is the new file/);
    expect((await journalEntries()).at(-1)).toMatchObject({
      deployId: "d-20240101-abc",
      op: "recover",
      outcome: "interrupted",
      after: { sha256: sha(NEW) },
    });
    expect(record.read()).toEqual({ state: "none" });
    expect(await readFile(`${record.file}.damaged`, "utf8")).toContain("d-20240101-abc");
  });

  it("restores the kept release when exeFile is neither the new file nor a release", async () => {
    await journalStarted();
    await writeFile(exeFile, "half of something else");
    await writeFile(restorePath(exeFile), OLD.slice(0, 3));
    await damage();
    const recovery = await run();
    expect(await readFile(exeFile, "utf8")).toBe(OLD);
    expect(await deployFolder()).toEqual(["webdemo"]);
    expect(recovery?.fallback).toBeUndefined();
    expect(recovery?.message).toMatch(`restored release ${kept.id}`);
  });

  it("puts a whole aside file back when exeFile is missing", async () => {
    await journalStarted();
    await rm(exeFile);
    await writeFile(asidePath(exeFile), OLD);
    await damage();
    const recovery = await run();
    expect(await readFile(exeFile, "utf8")).toBe(OLD);
    expect(await deployFolder()).toEqual(["webdemo"]);
    expect(recovery?.message).toMatch(/put the aside file back: exeFile is a kept release/);
  });

  it("recovers from a record that is a folder (EISDIR) without a journal line to go by", async () => {
    await rm(exeFile);
    await mkdir(record.file, { recursive: true });
    const recovery = await run();
    expect(await readFile(exeFile, "utf8")).toBe(OLD);
    expect(recovery?.message).toMatch(/EISDIR/);
    expect((await journalEntries()).at(-1)).toMatchObject({
      op: "recover",
      outcome: "interrupted",
    });
    expect(record.read()).toEqual({ state: "none" });
    await expect(run()).resolves.toBeUndefined();
  });
});
