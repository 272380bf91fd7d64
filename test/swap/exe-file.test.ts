// exeFile's mechanics on real files: replaceExe's POSIX rename that is never half a
// file, and the Windows order (aside, then in) with an injected fs that fails the way
// Windows does; the run copies of strategy overlap and their clean-up.
import { createHash } from "node:crypto";
import * as fsp from "node:fs/promises";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  asidePath,
  copyToRun,
  pruneRunCopies,
  replaceExe,
  retryBusy,
  type ReplaceOptions,
} from "../../receiver/swap/exe-file.js";

let dir: string;
let exeFile: string;
let source: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-replace-"));
  exeFile = join(dir, "webdemo.exe");
  source = join(dir, "webdemo_update.exe");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
type Fs = NonNullable<ReplaceOptions["fs"]>;

// The real fs, but rename(from, to) fails with the next of `failures` while any are left.
function failingRenames(
  match: (from: string, to: string) => boolean,
  failures: (string | "forever")[],
) {
  const calls: [string, string][] = [];
  let left = [...failures];
  const fs: Fs = {
    lstat: fsp.lstat,
    unlink: fsp.unlink,
    rename: async (from, to) => {
      calls.push([String(from), String(to)]);
      if (match(String(from), String(to)) && left.length > 0) {
        const code = left[0]!;
        if (code !== "forever") left = left.slice(1);
        throw errno(code === "forever" ? "EBUSY" : code);
      }
      return fsp.rename(from, to);
    },
  };
  return { fs, calls };
}

describe("POSIX: one rename over the old file", () => {
  it("moves the source in and leaves nothing else behind", async () => {
    await writeFile(exeFile, "old");
    await writeFile(source, "new");
    await replaceExe(source, exeFile, { platform: "linux" });
    expect(await readFile(exeFile, "utf8")).toBe("new");
    expect((await readdir(dir)).sort()).toEqual(["webdemo.exe"]);
  });

  it("never shows a reader a missing or partial exeFile across 200 replaces of 4 MiB", async () => {
    const SIZE = 4 * 1024 * 1024;
    const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(SIZE, 0x41 + i));
    await writeFile(exeFile, versions[0]!);
    let done = false;
    let reads = 0;
    const bad: string[] = [];
    const report = (what: string) => bad.length < 10 && bad.push(what);
    const reader = (async () => {
      while (!done) {
        let seen: Buffer;
        try {
          seen = await readFile(exeFile);
        } catch (error) {
          report(`read failed: ${(error as NodeJS.ErrnoException).code}`);
          continue;
        }
        reads++;
        const expected = versions[seen[0]! - 0x41];
        if (seen.length !== SIZE || !expected?.equals(seen))
          report(`saw ${seen.length} bytes starting with ${seen[0]}`);
      }
    })();
    for (let i = 1; i <= 200; i++) {
      await writeFile(source, versions[i % versions.length]!);
      await replaceExe(source, exeFile, { platform: "linux" });
    }
    done = true;
    await reader;
    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect((await readFile(exeFile)).equals(versions[200 % versions.length]!)).toBe(true);
  });
});

describe("Windows: the old exe aside, then the new one in", () => {
  it.each([["EBUSY"], ["EPERM"], ["EACCES"]])(
    "retries a rename that fails with %s a few times, and removes the aside file",
    async (code) => {
      await writeFile(exeFile, "old");
      await writeFile(source, "new");
      // The running exe resists being moved aside three times, the move-in twice.
      const { fs, calls } = failingRenames((from) => from === exeFile, [code, code, code]);
      const moveIn = failingRenames((from) => from === source, [code, code]);
      const both: Fs = {
        ...fs,
        rename: (from, to) =>
          String(from) === source ? moveIn.fs.rename(from, to) : fs.rename(from, to),
      };
      await replaceExe(source, exeFile, { platform: "win32", fs: both, retryDelayMs: 1 });
      expect(await readFile(exeFile, "utf8")).toBe("new");
      expect(calls.filter(([from]) => from === exeFile)).toHaveLength(4);
      expect(moveIn.calls).toHaveLength(3);
      expect((await readdir(dir)).sort()).toEqual(["webdemo.exe"]);
    },
  );

  it("clears an aside file left by an earlier swap before it starts", async () => {
    await writeFile(exeFile, "old");
    await writeFile(asidePath(exeFile), "older");
    await writeFile(source, "new");
    await replaceExe(source, exeFile, { platform: "win32", retryDelayMs: 1 });
    expect(await readFile(exeFile, "utf8")).toBe("new");
    expect((await readdir(dir)).sort()).toEqual(["webdemo.exe"]);
  });

  it("moves in when there is no old exe yet", async () => {
    await writeFile(source, "first");
    await replaceExe(source, exeFile, { platform: "win32", retryDelayMs: 1 });
    expect(await readFile(exeFile, "utf8")).toBe("first");
    expect((await readdir(dir)).sort()).toEqual(["webdemo.exe"]);
  });

  it.each([
    ["stays busy", "forever"],
    ["fails for another reason", "EXDEV"],
  ])("puts the old exe back when the move-in %s, and surfaces the error", async (_, failure) => {
    await writeFile(exeFile, "old");
    await writeFile(source, "new");
    const { fs, calls } = failingRenames((from) => from === source, [failure]);
    const replacing = replaceExe(source, exeFile, { platform: "win32", fs, retryDelayMs: 1 });
    await expect(replacing).rejects.toMatchObject({
      code: failure === "forever" ? "EBUSY" : failure,
    });
    expect(await readFile(exeFile, "utf8")).toBe("old");
    expect(await readFile(source, "utf8")).toBe("new");
    expect((await readdir(dir)).sort()).toEqual(["webdemo.exe", "webdemo_update.exe"]);
    // The move-in was tried 10 times while busy, once otherwise; then the old exe came back.
    const moveIns = calls.filter(([from]) => from === source).length;
    expect(moveIns).toBe(failure === "forever" ? 10 : 1);
    expect(calls.at(-1)).toEqual([asidePath(exeFile), exeFile]);
  });
});

describe("retryBusy", () => {
  const counting = (fail: (attempt: number) => Error | undefined) => {
    let attempts = 0;
    const fn = async () => {
      attempts++;
      const error = fail(attempts);
      if (error) throw error;
      return `done after ${attempts}`;
    };
    return { fn, attempts: () => attempts };
  };

  it.each([["EBUSY"], ["EPERM"], ["EACCES"]])("retries %s until it passes", async (code) => {
    const op = counting((n) => (n < 4 ? errno(code) : undefined));
    await expect(retryBusy(op.fn, 1)).resolves.toBe("done after 4");
    expect(op.attempts()).toBe(4);
  });

  it("gives up after 10 attempts with the last error", async () => {
    const op = counting((n) => Object.assign(errno("EBUSY"), { attempt: n }));
    await expect(retryBusy(op.fn, 1)).rejects.toMatchObject({ code: "EBUSY", attempt: 10 });
    expect(op.attempts()).toBe(10);
  });

  it.each([["ENOENT"], ["EXDEV"], [undefined]])("does not retry %s", async (code) => {
    const op = counting(() => (code ? errno(code) : new Error("no code")));
    await expect(retryBusy(op.fn, 1)).rejects.toThrow(code ?? "no code");
    expect(op.attempts()).toBe(1);
  });
});

describe("run copies (strategy overlap while exeFile is locked)", () => {
  const digest = (text: string) => createHash("sha256").update(text).digest("hex");
  const incoming = (text: string) => ({
    path: source,
    info: { sha256: digest(text), size: text.length, mtime: new Date().toISOString() },
  });

  it("copyToRun puts the file in a folder of its own under runDir, keeping exeFile's name", async () => {
    await writeFile(source, "new");
    const runDir = join(dir, "run");
    const path = await copyToRun(incoming("new"), runDir, exeFile);
    expect(dirname(dirname(path))).toBe(runDir);
    expect(basename(path)).toBe("webdemo.exe");
    expect(basename(dirname(path))).toMatch(new RegExp(`^${digest("new").slice(0, 12)}-`));
    expect(await readFile(path, "utf8")).toBe("new");
  });

  it("copyToRun refuses a file that is not the one announced", async () => {
    await writeFile(source, "changed");
    await expect(copyToRun(incoming("new"), join(dir, "run"), exeFile)).rejects.toThrow(
      /changed while it was copied/,
    );
  });

  it("pruneRunCopies removes every folder but the one in use, and says nothing", async () => {
    const runDir = join(dir, "run");
    for (const name of ["a", "b", "c"]) {
      await mkdir(join(runDir, name), { recursive: true });
      await writeFile(join(runDir, name, "webdemo.exe"), name);
    }
    const warnings: string[] = [];
    await pruneRunCopies(runDir, join(runDir, "b", "webdemo.exe"), (m) => warnings.push(m));
    expect(await readdir(runDir)).toEqual(["b"]);
    expect(warnings).toEqual([]);
  });

  it("pruneRunCopies: a missing runDir means no copies, without a warning", async () => {
    const warnings: string[] = [];
    await pruneRunCopies(join(dir, "never-made"), undefined, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
  });

  it("pruneRunCopies: a runDir that cannot be read is not 'no copies': it is reported", async () => {
    const runDir = join(dir, "run");
    await writeFile(runDir, "a file where the folder should be"); // readdir: ENOTDIR
    const warnings: string[] = [];
    await pruneRunCopies(runDir, undefined, (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cannot read ${runDir}`);
    expect(warnings[0]).toContain("ENOTDIR");
  });
});
