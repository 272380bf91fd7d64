// ReleaseTree counts the bytes that really stream, not what an archive claims,
// and stops at the first chunk past the limit.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReleaseTree } from "../../../receiver/staging/unpack/release-tree.js";

let root: string;
beforeEach(async () => {
  root = join(await mkdtemp(join(tmpdir(), "hotswap-tree-")), "release");
  await mkdir(root);
});
afterEach(async () => {
  await rm(join(root, ".."), { recursive: true, force: true });
});

describe("ReleaseTree", () => {
  it("stops a file whose bytes pass the limit, whatever it claimed", async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.alloc(64 * 1024);
      }
    }
    const tree = new ReleaseTree(root, { maxUnpackedBytes: 1 << 20, maxFiles: 10 });
    await expect(tree.file("big", 0o644, endless(), 10)).rejects.toMatchObject({
      code: "ERR_ARCHIVE_TOO_LARGE",
    });
    expect(pulled).toBe(17); // 16 chunks fill 1 MiB, the 17th is refused unwritten
    expect(tree.bytes).toBe(17 * 64 * 1024);
  });

  it("refuses a file named as the release itself, and a folder over a file", async () => {
    const tree = new ReleaseTree(root, { maxUnpackedBytes: 1 << 20, maxFiles: 10 });
    await expect(tree.file("./", 0o644, [])).rejects.toMatchObject({
      code: "ERR_ARCHIVE_DUPLICATE",
    });
    await tree.file("a", 0o644, [Buffer.from("a")]);
    await expect(tree.directory("a/")).rejects.toMatchObject({ code: "ERR_ARCHIVE_DUPLICATE" });
    await expect(tree.file("a/b", 0o644, [])).rejects.toMatchObject({
      code: "ERR_ARCHIVE_DUPLICATE",
    });
  });

  it("refuses what the disk has that it did not make, without following it", async () => {
    const tree = new ReleaseTree(root, { maxUnpackedBytes: 1 << 20, maxFiles: 10 });
    await tree.symlink("l", "sub");
    await expect(tree.file("l/x", 0o644, [])).rejects.toMatchObject({ code: "ERR_ARCHIVE_LINK" });
    const fresh = new ReleaseTree(root, { maxUnpackedBytes: 1 << 20, maxFiles: 10 });
    await expect(fresh.file("l", 0o644, [Buffer.from("x")])).rejects.toMatchObject({
      code: "ERR_ARCHIVE_DUPLICATE",
    });
    expect(await readlink(join(root, "l"))).toBe("sub");
    expect(existsSync(join(root, "sub"))).toBe(false);
  });

  it("reports progress after each entry", async () => {
    const seen: { files: number; bytes: number }[] = [];
    const tree = new ReleaseTree(root, { maxUnpackedBytes: 1 << 20, maxFiles: 10 }, (p) =>
      seen.push(p),
    );
    await tree.directory("d/");
    await tree.file("d/a", 0o755, [Buffer.from("abc")]);
    expect(seen).toEqual([
      { files: 1, bytes: 0 },
      { files: 2, bytes: 3 },
    ]);
  });
});
