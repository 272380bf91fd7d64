// The replay store on a real file: a used jti stays used across restarts until its
// token expires, expired entries go at load, and a torn last line costs nothing more.
// Adds are asynchronous: each resolves only once its line is on disk, concurrent ones
// share a datasync, and a failed write rejects (the token is not accepted).
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReplayStore } from "../../receiver/auth/replay-store.js";

const now = () => Math.floor(Date.now() / 1000);

let dir: string;
let file: string;
const open: ReplayStore[] = [];
const store = () => {
  const s = new ReplayStore(file, () => {});
  open.push(s);
  return s;
};
const closeAll = () => Promise.all(open.splice(0).map((s) => s.close()));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-replay-"));
  file = join(dir, "data", "replay.jsonl");
});
afterEach(async () => {
  await closeAll();
  await rm(dir, { recursive: true, force: true });
});

const entries = async () =>
  (await readFile(file, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { jti: string; exp: number });

describe("ReplayStore", () => {
  it("knows a jti once added, and not before", async () => {
    const s = store();
    expect(s.has("a")).toBe(false);
    await s.add("a", now() + 300);
    expect(s.has("a")).toBe(true);
    expect(s.has("b")).toBe(false);
  });

  it("remembers a jti across a restart until the token expires", async () => {
    const first = store();
    await first.add("live", now() + 300);
    await first.add("also-live", now() + 60);
    await closeAll();
    const second = store();
    expect(second.has("live")).toBe(true);
    expect(second.has("also-live")).toBe(true);
    expect(second.has("other")).toBe(false);
  });

  it("does not count an expired jti as used", async () => {
    const s = store();
    await s.add("old", now() - 1);
    expect(s.has("old")).toBe(false);
  });

  it("drops expired entries when it loads", async () => {
    const first = store();
    await first.add("expired", now() - 10);
    await first.add("live", now() + 300);
    await closeAll();
    const second = store();
    expect(second.has("expired")).toBe(false);
    expect(second.has("live")).toBe(true);
    expect((await entries()).map((e) => e.jti)).toEqual(["live"]);
  });

  it("survives a torn last line: earlier entries count, later ones are kept whole", async () => {
    const first = store();
    await first.add("before-crash", now() + 300);
    await closeAll();
    // A crash in the middle of writing the next line.
    await writeFile(file, (await readFile(file, "utf8")) + '{"jti":"torn","ex');
    const second = store();
    expect(second.has("before-crash")).toBe(true);
    expect(second.has("torn")).toBe(false);
    await second.add("after-crash", now() + 300);
    await closeAll();
    const third = store();
    expect(third.has("before-crash")).toBe(true);
    expect(third.has("after-crash")).toBe(true);
    expect((await entries()).map((e) => e.jti)).toEqual(["before-crash", "after-crash"]);
  });

  it("creates its folder and file when there are none", async () => {
    store();
    expect(await readFile(file, "utf8")).toBe("");
  });

  it("has the jti on disk when add resolves, without being closed", async () => {
    const s = store();
    await s.add("durable", now() + 300);
    // Another store on the same file reads it from disk, as a restarted receiver would.
    const fresh = new ReplayStore(file, () => {});
    expect(fresh.has("durable")).toBe(true);
    await fresh.close();
  });

  it("counts a jti as used the moment it is added, before it is on disk", async () => {
    const s = store();
    const written = s.add("in-flight", now() + 300);
    expect(s.has("in-flight")).toBe(true);
    await written;
  });

  it("lets only one of two concurrent requests with the same jti pass", async () => {
    const s = store();
    // What authorize does: check, then add, with no await between.
    const attempt = async () => {
      if (s.has("same")) return "replayed";
      await s.add("same", now() + 300);
      return "accepted";
    };
    const outcomes = await Promise.all([attempt(), attempt(), attempt()]);
    expect(outcomes.sort()).toEqual(["accepted", "replayed", "replayed"]);
    expect((await entries()).filter((e) => e.jti === "same")).toHaveLength(1);
  });

  it("writes concurrent adds together: fewer datasyncs than adds, every one on disk", async () => {
    const s = store();
    const n = 200;
    const jtis = Array.from({ length: n }, (_, i) => `jti-${i}`);
    await Promise.all(jtis.map((jti) => s.add(jti, now() + 300)));
    expect(s.syncs).toBeGreaterThan(0);
    expect(s.syncs).toBeLessThan(n);
    expect((await entries()).map((e) => e.jti).sort()).toEqual([...jtis].sort());
  });

  it("keeps every entry across a compaction, the ones added during it too", async () => {
    const s = store();
    const until = now() + 300;
    await s.add("expires", now() - 1);
    // 1024 adds trigger a compaction; more arrive while it runs.
    const jtis = Array.from({ length: 1500 }, (_, i) => `jti-${i}`);
    await Promise.all(jtis.map((jti) => s.add(jti, until)));
    await s.close();
    const onDisk = new Set((await entries()).map((e) => e.jti));
    expect(onDisk.has("expires")).toBe(false);
    for (const jti of jtis) expect(onDisk.has(jti)).toBe(true);
    const fresh = store();
    expect(jtis.every((jti) => fresh.has(jti))).toBe(true);
  });

  it.skipIf(!existsSync("/dev/full"))(
    "rejects the adds a failed write carried and forgets their jtis; the next add goes out whole",
    async () => {
      const s = store();
      await s.add("before", now() + 300);
      await s.close();
      // The file now leads to a full disk: the next open succeeds, the write fails.
      const kept = await readFile(file, "utf8");
      await rm(file);
      await symlink("/dev/full", file);
      const failed = await Promise.allSettled([
        s.add("lost-1", now() + 300),
        s.add("lost-2", now() + 300),
      ]);
      expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
      expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: "ENOSPC" });
      expect(s.has("lost-1")).toBe(false);
      expect(s.has("lost-2")).toBe(false);
      expect(s.has("before")).toBe(true);
      // Space again, with a torn fragment at the end of the file.
      await rm(file);
      await writeFile(file, kept + '{"jti":"lost-1","e');
      const until = now() + 300;
      await s.add("after", until);
      // The fragment stays a line of its own (skipped at load); the new entry is whole.
      const lines = (await readFile(file, "utf8")).split("\n");
      expect(lines.slice(-3)).toEqual([
        '{"jti":"lost-1","e',
        JSON.stringify({ jti: "after", exp: until }),
        "",
      ]);
      const fresh = store();
      expect(fresh.has("before")).toBe(true);
      expect(fresh.has("after")).toBe(true);
      expect(fresh.has("lost-1")).toBe(false);
    },
  );
});
