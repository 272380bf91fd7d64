// The pid file is written off the event loop, one write at a time per file: many
// writes asked for at once end with the latest list, never an older one overtaking
// it, and every caller is answered once a list at least as new as its own is on disk.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  pidFilesBeingWritten,
  writePidFile,
  writePidFileSync,
  type PidRecord,
} from "../../receiver/pool/pid-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-pidfile-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (pid: number): PidRecord => ({
  pid,
  exe: "/srv/webdemo",
  startedAt: new Date().toISOString(),
  instance: 0,
  port: 8000 + pid,
});
const read = async (path: string) => JSON.parse(await readFile(path, "utf8")) as PidRecord[];

describe("pid file", () => {
  it("ends with the latest of many writes asked for at once", async () => {
    const path = join(dir, "state", "pids.json");
    const lists = Array.from({ length: 50 }, (_, i) =>
      Array.from({ length: i + 1 }, (_, j) => record(j + 1)),
    );
    await Promise.all([...lists.map((list) => writePidFile(path, list)), writePidFile(path, [])]);
    expect(await read(path)).toEqual([]);
    expect(pidFilesBeingWritten()).toEqual([]);
    // No temp file is left beside it.
    expect(await readdir(join(dir, "state"))).toEqual(["pids.json"]);
  });

  it("answers each caller once its list, or a newer one, is on disk", async () => {
    const path = join(dir, "pids.json");
    const first = writePidFile(path, [record(1)]);
    expect(pidFilesBeingWritten()).toEqual([path]);
    await first;
    expect((await read(path)).map((r) => r.pid)).toEqual([1]);
    const second = [record(1), record(2)];
    await writePidFile(path, second);
    expect((await read(path)).map((r) => r.pid)).toEqual([1, 2]);
  });

  it("keeps files apart: a write to one never waits for or touches another", async () => {
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    await Promise.all([writePidFile(a, [record(1)]), writePidFile(b, [record(2)])]);
    expect((await read(a)).map((r) => r.pid)).toEqual([1]);
    expect((await read(b)).map((r) => r.pid)).toEqual([2]);
  });

  it("writes synchronously for the exit handler, and a list still waiting is not written after it", async () => {
    const path = join(dir, "pids.json");
    const running = writePidFile(path, [record(1)]);
    void writePidFile(path, [record(1), record(2)]); // waits behind the first
    writePidFileSync(path, []);
    expect(await read(path)).toEqual([]);
    // The write already running may still land; the one waiting behind it does not.
    await running;
    expect((await read(path)).map((r) => r.pid)).not.toContain(2);
  });
});
