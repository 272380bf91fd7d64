// The journal on a real folder: appends are asynchronous, in order, and on disk
// when they resolve; a failure is logged even when nobody waits for it; a deploy's
// event log reads back whole; a torn line from a crash costs no later entry.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal } from "../../receiver/journal/journal.js";
import type { JournalEntry } from "../../receiver/protocol.js";
import { waitFor } from "../helpers/wait-for.js";

let dir: string;
let journal: Journal;
let logged: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-journal-"));
  logged = [];
  journal = new Journal(join(dir, "data"), (level, message) => logged.push(`${level} ${message}`));
});
afterEach(async () => {
  await journal.close();
  await rm(dir, { recursive: true, force: true });
});

const entry = (deployId: string, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  deployId,
  app: "webdemo",
  op: "deploy",
  outcome: "ok",
  at: new Date().toISOString(),
  ...extra,
});
const journalFile = () => join(dir, "data", "journal.jsonl");
const onDisk = async () =>
  (await readFile(journalFile(), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as JournalEntry).deployId);

describe("Journal", () => {
  it("has an entry on disk, and in recent(), once its append resolves", async () => {
    expect(await journal.recent()).toEqual([]);
    await journal.append(entry("d-1"));
    expect((await journal.recent()).map((e) => e.deployId)).toEqual(["d-1"]);
    // A second journal on the folder, as a restarted receiver, reads it from disk.
    const fresh = new Journal(join(dir, "data"));
    expect((await fresh.recent()).map((e) => e.deployId)).toEqual(["d-1"]);
    await fresh.close();
  });

  it("keeps appends in the order they were asked for, however many at once", async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `d-${i}`);
    await Promise.all(ids.map((id) => journal.append(entry(id))));
    expect(await onDisk()).toEqual(ids);
  });

  it("writes what is pending when closed", async () => {
    void journal.append(entry("d-last"));
    await journal.close();
    expect(await onDisk()).toEqual(["d-last"]);
  });

  it.skipIf(!existsSync("/dev/full"))(
    "rejects an append it cannot write, and logs it even when nobody waits",
    async () => {
      await journal.close();
      await rm(journalFile());
      await symlink("/dev/full", journalFile());
      await expect(journal.append(entry("d-awaited"))).rejects.toMatchObject({ code: "ENOSPC" });
      // Fire and forget: the failure is logged, and no rejection goes unhandled
      // (vitest fails the run on one).
      void journal.append(entry("d-forgotten"));
      await waitFor(() => logged.find((line) => line.includes("d-forgotten")), "the log line");
      expect(logged.find((line) => line.includes("d-forgotten"))).toMatch(/^error .*ENOSPC/);
    },
  );

  it("starts a fresh line after a torn one left by a crash", async () => {
    await journal.append(entry("d-before"));
    await journal.close();
    await writeFile(journalFile(), (await readFile(journalFile(), "utf8")) + '{"deployId":"d-to');
    const after = new Journal(join(dir, "data"));
    await after.append(entry("d-after"));
    await after.close();
    expect((await journal.recent()).map((e) => e.deployId)).toEqual(["d-after", "d-before"]);
  });

  it("reads a deploy's event log back whole, in order, right after the events", async () => {
    const steps = Array.from({ length: 50 }, (_, i) => `step-${i}`);
    for (const step of steps)
      void journal.log("d-1", { type: "log", level: "info", message: step });
    void journal.log("d-1", { type: "heartbeat" });
    void journal.log("d-1", {
      type: "result",
      ok: false,
      deployId: "d-1",
      op: "deploy",
      app: "webdemo",
      error: { code: "ERR_X", message: "x" },
      holdMs: 0,
      durationMs: 1,
    });
    const lines = (await journal.readLog("d-1"))!.trim().split("\n");
    const events = lines.map((line) => JSON.parse(line) as { type: string; message?: string });
    expect(events.map((e) => e.message ?? e.type)).toEqual([...steps, "result"]);
    expect(await journal.readLog("d-unknown")).toBeUndefined();
    expect(await journal.readLog("../journal")).toBeUndefined();
  });

  it("reports an event log it cannot read (EISDIR) instead of finding none", async () => {
    const file = join(journal.logs, "d-2.ndjson");
    await mkdir(file);
    await expect(journal.readLog("d-2")).rejects.toThrow(
      `cannot read the event log ${file}: EISDIR`,
    );
  });
});

describe("Journal.recent", () => {
  const line = (value: unknown) => JSON.stringify(value) + "\n";

  it("finds no entries when there is no journal file", async () => {
    await rm(journalFile());
    expect(await journal.recent()).toEqual([]);
  });

  // Not chmod 000: CI runs as root, who reads it anyway. A folder in its place
  // (EISDIR) and a symlink to itself (ELOOP) cannot be read by anyone.
  it.each([
    ["a folder (EISDIR)", () => mkdir(journalFile()), "EISDIR"],
    ["a symlink loop (ELOOP)", () => symlink(journalFile(), journalFile()), "ELOOP"],
  ])(
    "reports a journal that is %s as a 500 naming it, not as no entries",
    async (_, make, code) => {
      await journal.close();
      await rm(journalFile());
      await make();
      const read = journal.recent();
      await expect(read).rejects.toMatchObject({ status: 500, code: "ERR_JOURNAL_READ" });
      await expect(read).rejects.toThrow(`cannot read the journal ${journalFile()}: ${code}`);
    },
  );

  it("skips a line that is not an entry, says so once, and keeps the rest", async () => {
    await journal.close();
    await writeFile(
      journalFile(),
      line(entry("d-1")) +
        line({ deployId: "d-lunch", app: "webdemo", op: "lunch", outcome: "ok", at: "x" }) +
        line([1, 2]) +
        line({ ...entry("d-bad-after"), after: { sha256: 42 } }) +
        "not json\n" +
        line(entry("d-2")) +
        '{"deployId":"d-bei', // an append being written: not a line yet
    );
    const fresh = new Journal(join(dir, "data"), (level, message) =>
      logged.push(`${level} ${message}`),
    );
    expect((await fresh.recent()).map((e) => e.deployId)).toEqual(["d-2", "d-1"]);
    expect(await fresh.recent("webdemo", 1)).toEqual([
      expect.objectContaining({ deployId: "d-2" }),
    ]);
    expect((await fresh.recent()).map((e) => e.deployId)).toEqual(["d-2", "d-1"]);
    await fresh.close();
    expect(logged).toHaveLength(4);
    for (const warning of logged) expect(warning).toMatch(/^warn .*journal\.jsonl: skipped a line/);
    expect(logged.join("\n")).toMatch(/not JSON.*"not json"/);
    expect(logged.join("\n")).toMatch(/not a journal entry .*op.*d-lunch/);
    expect(logged.join("\n")).toMatch(/not a journal entry .*after\.sha256.*d-bad-after/);
    expect(logged.join("\n")).not.toContain("d-bei");
  });
});
