// unpackArchive on real archives: tar.gz from the system tar and the tar package,
// zips from the zip command, and hostile ones written byte by byte
// (test/helpers/tar-writer.ts, zip-writer.ts). Every refusal names its code, leaves
// no release folder, and changes nothing next to it.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { c as tarCreate } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReleaseTree } from "../../../receiver/staging/unpack/release-tree.js";
import { unpackArchive } from "../../../receiver/staging/unpack/unpack-archive.js";
import { unpackZip } from "../../../receiver/staging/unpack/unpack-zip.js";
import { tarGz, type TarEntry } from "../../helpers/tar-writer.js";
import { zipFile } from "../../helpers/zip-writer.js";

const LIMITS = { maxUnpackedBytes: 16 << 20, maxFiles: 1000 };

let dir: string;
let into: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-unpack-"));
  into = join(dir, "releases", "r1");
  await mkdir(join(dir, "releases"));
  await mkdir(join(dir, "victim", "etc"), { recursive: true });
  await writeFile(join(dir, "victim", "etc", "passwd"), "root:x:0:0\n");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything under a folder, links and modes included, never following a link. */
function listing(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = lstatSync(path);
      const key = path.slice(root.length + 1);
      if (st.isSymbolicLink()) out[key] = `link ${readlinkSync(path)}`;
      else if (st.isDirectory()) {
        out[key] = `dir ${(st.mode & 0o777).toString(8)}`;
        walk(path);
      } else {
        const digest = createHash("sha256").update(readFileSync(path)).digest("hex");
        out[key] = `file ${(st.mode & 0o777).toString(8)} ${digest}`;
      }
    }
  };
  walk(root);
  return out;
}

async function artifact(bytes: Buffer): Promise<string> {
  const file = join(dir, "artifact.bin");
  await writeFile(file, bytes);
  return file;
}

async function refused(bytes: Buffer, code: string, limits = LIMITS): Promise<string> {
  const file = await artifact(bytes);
  const before = listing(dir);
  const error = await unpackArchive(file, into, limits).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: "UnpackError", code });
  expect(existsSync(into)).toBe(false);
  expect(listing(dir)).toEqual(before);
  return (error as Error).message;
}

/** A release folder with nested folders, an executable, a library symlink and `a -> .`. */
async function sourceTree(): Promise<string> {
  const src = join(dir, "src");
  await mkdir(join(src, "bin"), { recursive: true });
  await mkdir(join(src, "lib", "nested", "deep"), { recursive: true });
  await writeFile(join(src, "bin", "server"), "#!/bin/sh\necho hi\n");
  await chmod(join(src, "bin", "server"), 0o755);
  await writeFile(join(src, "lib", "nested", "deep", "data.txt"), "x".repeat(70_000));
  await chmod(join(src, "lib", "nested", "deep", "data.txt"), 0o644);
  await writeFile(join(src, "lib", "libapp.so.1"), "ELF");
  await symlink("libapp.so.1", join(src, "lib", "libapp.so"));
  await symlink(".", join(src, "self"));
  await symlink("../lib/libapp.so", join(src, "bin", "lib"));
  await mkdir(join(src, LONG), { recursive: true }); // past ustar's 100-character name field
  await writeFile(join(src, LONG, "leaf.txt"), "deep");
  return src;
}

const LONG = join("share", "a".repeat(60), "b".repeat(60), "c".repeat(60));

async function expectSourceTree(root: string) {
  expect(await readFile(join(root, LONG, "leaf.txt"), "utf8")).toBe("deep");
  expect((await stat(join(root, "bin", "server"))).mode & 0o777).toBe(0o755);
  expect((await stat(join(root, "lib", "nested", "deep", "data.txt"))).mode & 0o777).toBe(0o644);
  expect(await readFile(join(root, "lib", "nested", "deep", "data.txt"), "utf8")).toBe(
    "x".repeat(70_000),
  );
  expect(await readlink(join(root, "lib", "libapp.so"))).toBe("libapp.so.1");
  expect(await readlink(join(root, "self"))).toBe(".");
  expect(await readFile(join(root, "bin", "lib"), "utf8")).toBe("ELF");
  expect((await stat(root)).mode & 0o777).toBe(0o755);
}

describe("unpackArchive: happy paths", () => {
  it("unpacks a tar.gz from the system tar, keeping modes and links", async () => {
    const src = await sourceTree();
    const file = join(dir, "app.tgz");
    execFileSync("tar", ["-czf", file, "-C", src, "."]);
    const progress: number[] = [];
    const result = await unpackArchive(file, into, LIMITS, (p) => progress.push(p.files));
    expect(result).toMatchObject({ kind: "tar.gz", bytes: 70_000 + 3 + 18 + 4 });
    await expectSourceTree(into);
    expect(progress.at(-1)).toBe(result.files);
  });

  it("unpacks a tar.gz from the tar package (pax headers, no ./ prefix)", async () => {
    const src = await sourceTree();
    const file = join(dir, "app.tar.gz");
    await tarCreate({ gzip: true, file, cwd: src, portable: true }, [
      "bin",
      "lib",
      "self",
      "share",
    ]);
    await unpackArchive(file, into, LIMITS);
    await expectSourceTree(into);
  });

  it("unpacks a zip from the zip command, symlinks stored as links (-y)", async () => {
    const src = await sourceTree();
    execFileSync("zip", ["-qry", join(dir, "app.zip"), "."], { cwd: src });
    const result = await unpackArchive(join(dir, "app.zip"), into, LIMITS);
    expect(result.kind).toBe("zip");
    await expectSourceTree(into);
  });

  it("knows an archive by its bytes: a tarball named .zip is a tar.gz", async () => {
    const file = join(dir, "misnamed.zip");
    await writeFile(file, tarGz([{ name: "a.txt", data: "a" }]));
    expect((await unpackArchive(file, into, LIMITS)).kind).toBe("tar.gz");
  });

  it("unpacks an empty zip and a hand-written zip with an executable and a link", async () => {
    const empty = await artifact(zipFile([]));
    expect(await unpackArchive(empty, into, LIMITS)).toEqual({ kind: "zip", files: 0, bytes: 0 });
    const other = join(dir, "releases", "r2");
    const file = await artifact(
      zipFile([
        { name: "bin/", mode: 0o040755 },
        { name: "bin/run", data: "#!/bin/sh\n", mode: 0o104755, deflate: true },
        { name: "run", data: "bin/run", mode: 0o120777 },
      ]),
    );
    await unpackArchive(file, other, LIMITS);
    expect((await stat(join(other, "bin", "run"))).mode & 0o7777).toBe(0o755); // no setuid
    expect(await readlink(join(other, "run"))).toBe("bin/run");
  });

  it("allows a folder twice, and a hard link to an earlier file", async () => {
    const file = await artifact(
      tarGz([
        { name: "d/", type: "dir" },
        { name: "d/a", data: "same" },
        { name: "d/", type: "dir" },
        { name: "b", type: "link", target: "d/a" },
      ]),
    );
    await unpackArchive(file, into, LIMITS);
    expect(await readFile(join(into, "b"), "utf8")).toBe("same");
  });

  it("refuses a release folder that exists, and leaves it alone", async () => {
    await mkdir(into);
    await writeFile(join(into, "keep"), "mine");
    const file = await artifact(tarGz([{ name: "a", data: "a" }]));
    await expect(unpackArchive(file, into, LIMITS)).rejects.toMatchObject({
      code: "ERR_ARCHIVE_TARGET_EXISTS",
    });
    expect(await readFile(join(into, "keep"), "utf8")).toBe("mine");
  });
});

const hostileTars: [string, TarEntry[], string][] = [
  ["../escape", [{ name: "../escape", data: "x" }], "ERR_ARCHIVE_ENTRY_PATH"],
  ["a/../../escape", [{ name: "a/../../escape", data: "x" }], "ERR_ARCHIVE_ENTRY_PATH"],
  ["an absolute path", [{ name: "/ABS/escape", data: "x" }], "ERR_ARCHIVE_ENTRY_PATH"],
  ["a drive letter", [{ name: "C:\\x", data: "x" }], "ERR_ARCHIVE_ENTRY_PATH"],
  ["backslash climbs", [{ name: "a\\..\\..\\x", data: "x" }], "ERR_ARCHIVE_ENTRY_PATH"],
  [
    "a symlink to ../../etc",
    [{ name: "etc", type: "symlink", target: "../../victim/etc" }],
    "ERR_ARCHIVE_LINK",
  ],
  ["an absolute symlink", [{ name: "etc", type: "symlink", target: "/etc" }], "ERR_ARCHIVE_LINK"],
  [
    "a symlink climbing through a link",
    [
      { name: "sub/up", type: "symlink", target: ".." },
      { name: "out", type: "symlink", target: "sub/up/.." },
    ],
    "ERR_ARCHIVE_LINK",
  ],
  [
    "a write through a symlink",
    [
      { name: "sub/", type: "dir" },
      { name: "l", type: "symlink", target: "sub" },
      { name: "l/file", data: "x" },
    ],
    "ERR_ARCHIVE_LINK",
  ],
  [
    "a file over an earlier symlink",
    [
      { name: "l", type: "symlink", target: "sub" },
      { name: "l", data: "x" },
    ],
    "ERR_ARCHIVE_DUPLICATE",
  ],
  [
    "a file twice",
    [
      { name: "a", data: "1" },
      { name: "./a", data: "2" },
    ],
    "ERR_ARCHIVE_DUPLICATE",
  ],
  [
    "a hard link outside",
    [{ name: "h", type: "link", target: "../../victim/etc/passwd" }],
    "ERR_ARCHIVE_LINK",
  ],
  [
    "a hard link to a later entry",
    [
      { name: "h", type: "link", target: "a" },
      { name: "a", data: "a" },
    ],
    "ERR_ARCHIVE_LINK",
  ],
  [
    "a character device",
    [
      { name: "ok", data: "1" },
      { name: "null", type: "char" },
    ],
    "ERR_ARCHIVE_ENTRY_TYPE",
  ],
  ["a block device", [{ name: "sda", type: "block" }], "ERR_ARCHIVE_ENTRY_TYPE"],
  ["a FIFO", [{ name: "pipe", type: "fifo" }], "ERR_ARCHIVE_ENTRY_TYPE"],
];

describe("unpackArchive: hostile tar.gz", () => {
  it.each(hostileTars)("refuses %s", async (_what, entries, code) => {
    const named = entries.map((e) => ({ ...e, name: e.name.replace("/ABS", dir) }));
    const message = await refused(tarGz(named), code);
    expect(message).toContain(JSON.stringify(named.at(-1)?.name).slice(1, 4));
  });

  it("refuses more entries than maxFiles", async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: "x" }));
    await refused(tarGz(entries), "ERR_ARCHIVE_TOO_MANY_FILES", { ...LIMITS, maxFiles: 3 });
  });

  it("refuses a bomb: 64 MiB of zeros past a 1 MiB limit", async () => {
    const bomb = tarGz([{ name: "zeros", data: Buffer.alloc(64 << 20) }]);
    expect(bomb.length).toBeLessThan(1 << 20);
    await refused(bomb, "ERR_ARCHIVE_TOO_LARGE", { ...LIMITS, maxUnpackedBytes: 1 << 20 });
  });

  it("refuses many small files that add up past the limit", async () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({
      name: `f${i}`,
      data: Buffer.alloc(64 << 10),
    }));
    await refused(tarGz(entries), "ERR_ARCHIVE_TOO_LARGE", {
      ...LIMITS,
      maxUnpackedBytes: 1 << 20,
    });
  });

  it("refuses a truncated tar.gz, and one with damaged bytes", async () => {
    const whole = tarGz([
      { name: "a", data: Buffer.alloc(200_000, 7) },
      { name: "b", data: "b" },
    ]);
    await refused(whole.subarray(0, whole.length >> 1), "ERR_ARCHIVE_CORRUPT");
    const damaged = Buffer.from(whole);
    damaged.fill(0x55, 20, 60);
    await refused(damaged, "ERR_ARCHIVE_CORRUPT");
  });

  it("damaged deflate data read late (a slow disk) is an error, never uncaught, never a wait for ever", async () => {
    // zlib's error reaches yauzl's stream a tick after it happens: here before the tree
    // starts reading it, as when opening the entry's file on disk takes a while.
    const whole = zipFile([
      { name: "a", data: Buffer.alloc(100_000, 3).fill(9, 5000), deflate: true },
    ]);
    const damaged = Buffer.from(whole);
    damaged.fill(0xff, 40, 80);
    const slowTree = {
      directory: async () => {},
      symlink: async () => {},
      file: async (_name: string, _mode: number, data: AsyncIterable<Buffer>) => {
        await new Promise((r) => setTimeout(r, 50));
        for await (const _chunk of data);
      },
    } as unknown as ReleaseTree;
    const error = await unpackZip(await artifact(damaged), slowTree).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "Z_DATA_ERROR" });
  });

  it("refuses a gzip of something that is not a tar", async () => {
    const { gzipSync } = await import("node:zlib");
    await refused(
      gzipSync(Buffer.from("just text, not a tarball\n".repeat(100))),
      "ERR_ARCHIVE_CORRUPT",
    );
  });
});

describe("unpackArchive: hostile zip", () => {
  it.each([
    ["../escape", "ERR_ARCHIVE_ENTRY_PATH"],
    ["/etc/escape", "ERR_ARCHIVE_ENTRY_PATH"],
    ["C:\\x", "ERR_ARCHIVE_ENTRY_PATH"],
    ["a\\..\\..\\x", "ERR_ARCHIVE_ENTRY_PATH"],
  ])("refuses the name %s", async (name, code) => {
    await refused(
      zipFile([
        { name: "ok", data: "1" },
        { name, data: "x" },
      ]),
      code,
    );
  });

  it("refuses a symlink leaving the release, absolute or relative", async () => {
    await refused(
      zipFile([{ name: "etc", data: "../../victim/etc", mode: 0o120777 }]),
      "ERR_ARCHIVE_LINK",
    );
    await refused(zipFile([{ name: "etc", data: "/etc", mode: 0o120777 }]), "ERR_ARCHIVE_LINK");
  });

  it("refuses a write through a symlink", async () => {
    const zip = zipFile([
      { name: "l", data: ".", mode: 0o120777 },
      { name: "l/file", data: "x" },
    ]);
    await refused(zip, "ERR_ARCHIVE_LINK");
  });

  it("refuses a FIFO or device by its unix mode", async () => {
    await refused(zipFile([{ name: "pipe", mode: 0o010644 }]), "ERR_ARCHIVE_ENTRY_TYPE");
    await refused(zipFile([{ name: "null", mode: 0o020644 }]), "ERR_ARCHIVE_ENTRY_TYPE");
  });

  it("refuses a zip whose central directory names differ from the local headers", async () => {
    const zip = zipFile([
      { name: "ok.txt", data: "fine" },
      { name: "good.txt", localName: "../evil.txt", data: "evil" },
    ]);
    expect(await refused(zip, "ERR_ARCHIVE_CORRUPT")).toMatch(/local header/);
    const sizes = zipFile([{ name: "a.txt", data: "abc", localSize: 99 }]);
    expect(await refused(sizes, "ERR_ARCHIVE_CORRUPT")).toMatch(/size/);
  });

  it("refuses a bomb, and one that lies about its size", async () => {
    const bomb = zipFile([{ name: "zeros", data: Buffer.alloc(64 << 20), deflate: true }]);
    expect(bomb.length).toBeLessThan(1 << 20);
    const limits = { ...LIMITS, maxUnpackedBytes: 1 << 20 };
    await refused(bomb, "ERR_ARCHIVE_TOO_LARGE", limits);
    const liar = zipFile([
      { name: "zeros", data: Buffer.alloc(8 << 20), deflate: true, claimedSize: 100 },
    ]);
    await refused(liar, "ERR_ARCHIVE_CORRUPT", limits);
  });

  it("refuses more entries than maxFiles", async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: "x" }));
    await refused(zipFile(entries), "ERR_ARCHIVE_TOO_MANY_FILES", { ...LIMITS, maxFiles: 3 });
  });

  it("refuses a truncated zip and damaged deflate data", async () => {
    const whole = zipFile([
      { name: "a", data: Buffer.alloc(100_000, 3).fill(9, 5000), deflate: true },
    ]);
    await refused(whole.subarray(0, whole.length - 30), "ERR_ARCHIVE_CORRUPT");
    const damaged = Buffer.from(whole);
    damaged.fill(0xff, 40, 80);
    await refused(damaged, "ERR_ARCHIVE_CORRUPT");
  });
});

describe("unpackArchive: not an archive", () => {
  it("refuses plain text, and an empty file, before making a folder", async () => {
    await refused(Buffer.from("hello, I am a text file\n"), "ERR_ARCHIVE_UNKNOWN");
    await refused(Buffer.alloc(0), "ERR_ARCHIVE_UNKNOWN");
  });
});
