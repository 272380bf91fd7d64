// fsyncDir forgives only what a platform cannot do; a failing disk is reported.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsyncDir } from "../../receiver/staging/fsync-dir.js";

const failing = (code: string, at: "open" | "sync") => {
  const error = Object.assign(new Error(`${code}: injected`), { code });
  return async () => {
    if (at === "open") throw error;
    return {
      sync: () => Promise.reject(error),
      close: () => Promise.resolve(),
    };
  };
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-fsync-dir-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("fsyncDir", () => {
  it("flushes a real folder", async () => {
    await expect(fsyncDir(dir)).resolves.toBeUndefined();
  });

  it.each(["linux", "win32", "darwin"] as const)("lets EIO through on %s", async (platform) => {
    await expect(fsyncDir(dir, { platform, open: failing("EIO", "sync") })).rejects.toThrow(/EIO/);
  });

  it("reports a folder that does not exist", async () => {
    await expect(fsyncDir(join(dir, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it.each([
    ["EISDIR", "open"],
    ["EPERM", "sync"],
    ["EINVAL", "sync"],
  ] as const)("forgives %s on Windows, which cannot flush a folder", async (code, at) => {
    await expect(
      fsyncDir(dir, { platform: "win32", open: failing(code, at) }),
    ).resolves.toBeUndefined();
  });

  it("does not forgive EPERM on Linux", async () => {
    await expect(
      fsyncDir(dir, { platform: "linux", open: failing("EPERM", "open") }),
    ).rejects.toThrow(/EPERM/);
  });
});
