// The replay store on a real file: a used jti stays used across restarts until its
// token expires, expired entries go at load, and a torn last line costs nothing more.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReplayStore } from "../../receiver/auth/replay-store.js";

const now = () => Math.floor(Date.now() / 1000);

let dir: string;
let file: string;
const open: ReplayStore[] = [];
const store = () => {
  const s = new ReplayStore(file);
  open.push(s);
  return s;
};
const closeAll = () => open.splice(0).forEach((s) => s.close());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-replay-"));
  file = join(dir, "data", "replay.jsonl");
});
afterEach(async () => {
  closeAll();
  await rm(dir, { recursive: true, force: true });
});

const entries = async () =>
  (await readFile(file, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { jti: string; exp: number });

describe("ReplayStore", () => {
  it("knows a jti once added, and not before", () => {
    const s = store();
    expect(s.has("a")).toBe(false);
    s.add("a", now() + 300);
    expect(s.has("a")).toBe(true);
    expect(s.has("b")).toBe(false);
  });

  it("remembers a jti across a restart until the token expires", async () => {
    const first = store();
    first.add("live", now() + 300);
    first.add("also-live", now() + 60);
    closeAll();
    const second = store();
    expect(second.has("live")).toBe(true);
    expect(second.has("also-live")).toBe(true);
    expect(second.has("other")).toBe(false);
  });

  it("does not count an expired jti as used", () => {
    const s = store();
    s.add("old", now() - 1);
    expect(s.has("old")).toBe(false);
  });

  it("drops expired entries when it loads", async () => {
    const first = store();
    first.add("expired", now() - 10);
    first.add("live", now() + 300);
    closeAll();
    const second = store();
    expect(second.has("expired")).toBe(false);
    expect(second.has("live")).toBe(true);
    expect((await entries()).map((e) => e.jti)).toEqual(["live"]);
  });

  it("survives a torn last line: earlier entries count, later ones are kept whole", async () => {
    const first = store();
    first.add("before-crash", now() + 300);
    closeAll();
    // A crash in the middle of writing the next line.
    await writeFile(file, (await readFile(file, "utf8")) + '{"jti":"torn","ex');
    const second = store();
    expect(second.has("before-crash")).toBe(true);
    expect(second.has("torn")).toBe(false);
    second.add("after-crash", now() + 300);
    closeAll();
    const third = store();
    expect(third.has("before-crash")).toBe(true);
    expect(third.has("after-crash")).toBe(true);
    expect((await entries()).map((e) => e.jti)).toEqual(["before-crash", "after-crash"]);
  });

  it("creates its folder and file when there are none", async () => {
    store();
    expect(await readFile(file, "utf8")).toBe("");
  });
});
