// The Windows version echo on real PE files, built here by Debian's mingw-w64
// binutils (package binutils-mingw-w64-x86-64): an entry point that returns,
// linked with and without a VERSIONINFO resource compiled by windres.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { copyFile, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPeVersion } from "../../receiver/version/pe-version.js";
import { versionInfo } from "../../receiver/version/version-info.js";
import { versionRc } from "../helpers/mingw-pe.js";

const TOOL = "x86_64-w64-mingw32";
const toolchain = hasTool(`${TOOL}-windres`);
if (!toolchain)
  console.warn(
    `pe-version: skipping the real-PE tests: ${TOOL}-windres is missing ` +
      "(apt-get install binutils-mingw-w64-x86-64; .ci/run does it as root)",
  );

const ENTRY = "\t.text\n\t.globl start\nstart:\n\txorl %eax, %eax\n\tret\n";
const FULL_RC = versionRc({
  fileVersion: "1.2.3.4",
  productVersion: "1.2.3",
  productName: "WC Demo",
});
// Only the fixed numbers: no StringFileInfo at all.
const FIXED_RC = "1 VERSIONINFO\nFILEVERSION 5,6,7,8\nPRODUCTVERSION 5,6,0,0\nBEGIN\nEND\n";

const dir = mkdtempSync(join(tmpdir(), "hotswap-pe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

describe("files that are not a PE with a version resource", () => {
  // [name, bytes, whether it claims to be a PE (and so says why it gives no version)]
  const cases: [string, Buffer, boolean][] = [
    ["a node script", Buffer.from("#!/usr/bin/env node\nconsole.log('webdemo 1.0');\n"), false],
    ["random bytes after MZ", Buffer.concat([Buffer.from("MZ"), randomBytes(4096)]), true],
    ["MZ alone", Buffer.from("MZ"), true],
    ["an empty file", Buffer.alloc(0), false],
  ];
  it.each(cases)("%s: no PE version, no throw", async (name, bytes, pe) => {
    const file = path(name.replaceAll(" ", "-"));
    writeFileSync(file, bytes);
    const read = await readPeVersion(file);
    expect(read.version).toBeUndefined();
    if (pe) expect(read.noVersion).toMatch(/./);
    else expect(read).toEqual({});
    const info = await versionInfo(file);
    expect(info).not.toBeNull();
    expect(Object.keys(info!).sort()).toEqual(["mtime", "sha256", "size"]);
  });

  it("a missing file: no PE version, no throw", async () => {
    await expect(readPeVersion(path("missing.exe"))).resolves.toEqual({});
  });
});

describe.skipIf(!toolchain)(`real PE files (${TOOL} binutils)`, () => {
  let withVersion: string;
  let fixedOnly: string;
  let without: string;
  beforeAll(() => {
    writeFileSync(path("entry.s"), ENTRY);
    run(`${TOOL}-as`, ["-o", path("entry.o"), path("entry.s")]);
    withVersion = link("webdemo.exe", FULL_RC);
    fixedOnly = link("fixed.exe", FIXED_RC);
    without = link("plain.exe");
  });

  it("reads FileVersion, ProductVersion and ProductName from the string table", async () => {
    // ld keeps a COFF symbol table, as unstripped MinGW and Go builds do.
    expect(numberOfSymbols(withVersion)).toBeGreaterThan(0);
    expect((await readPeVersion(withVersion)).version).toEqual({
      fileVersion: "1.2.3.4",
      productVersion: "1.2.3",
      productName: "WC Demo",
    });
  });

  it("echoes them in versionInfo, with the product and file version as the version", async () => {
    const info = await versionInfo(withVersion);
    expect(info).toMatchObject({
      size: readFileSync(withVersion).length,
      fileVersion: "1.2.3.4",
      productVersion: "1.2.3",
      productName: "WC Demo",
      version: "WC Demo 1.2.3.4",
    });
  });

  it("falls back to the fixed a.b.c.d numbers without a string table", async () => {
    expect((await readPeVersion(fixedOnly)).version).toEqual({
      fileVersion: "5.6.7.8",
      productVersion: "5.6.0.0",
    });
    expect((await versionInfo(fixedOnly))?.version).toBe("5.6.7.8");
  });

  it("gives nothing for an exe without a version resource", async () => {
    expect(await readPeVersion(without)).toEqual({ noVersion: "it has no resources" });
    const said: string[] = [];
    const info = await versionInfo(without, undefined, (why) => said.push(why));
    expect(said).toEqual(["it has no resources"]);
    expect(Object.keys(info!).sort()).toEqual(["mtime", "sha256", "size"]);
  });

  it("lets an explicit versionCommand win over the resource", async () => {
    const exe = path("commanded.exe");
    await copyFile(withVersion, exe);
    const command = [process.execPath, "-e", "console.log('webdemo 9.9 (build 7)')"];
    expect(await versionInfo(exe, command)).toMatchObject({
      fileVersion: "1.2.3.4",
      productName: "WC Demo",
      version: "webdemo 9.9 (build 7)",
    });
  });

  it("reads the resource again when a new file takes the name", async () => {
    const exe = path("swapped.exe");
    await copyFile(withVersion, exe);
    expect((await versionInfo(exe))?.version).toBe("WC Demo 1.2.3.4");
    await copyFile(fixedOnly, path("swapped.exe.new"));
    await rename(path("swapped.exe.new"), exe);
    const info = await versionInfo(exe);
    expect(info?.version).toBe("5.6.7.8");
    expect(info?.productName).toBeUndefined();
  });

  it("gives nothing for a truncated exe", async () => {
    const exe = path("truncated.exe");
    writeFileSync(exe, readFileSync(withVersion).subarray(0, 600));
    const read = await readPeVersion(exe);
    expect(read.version).toBeUndefined();
    expect(read.noVersion).toMatch(/lies outside the file/);
  });

  it("reads the version of a 6 GiB exe: only its headers and resources are read", async () => {
    const exe = path("huge.exe");
    await copyFile(withVersion, exe);
    // Sparse overlay data after the sections: more than one Buffer can hold, so a
    // reader that loaded the whole file would fail here.
    truncateSync(exe, 6 * 2 ** 30);
    expect((await readPeVersion(exe)).version).toEqual({
      fileVersion: "1.2.3.4",
      productVersion: "1.2.3",
      productName: "WC Demo",
    });
  });

  function link(name: string, rc?: string): string {
    const objects = [path("entry.o")];
    if (rc) {
      writeFileSync(path(`${name}.rc`), rc);
      // The .rc uses no #include or #define: `cat` stands in for the C preprocessor,
      // so no mingw-w64 gcc is needed.
      run(`${TOOL}-windres`, [
        "--preprocessor=cat",
        "-O",
        "coff",
        "-o",
        path(`${name}.res.o`),
        path(`${name}.rc`),
      ]);
      objects.push(path(`${name}.res.o`));
    }
    const exe = path(name);
    run(`${TOOL}-ld`, ["-o", exe, ...objects, "--subsystem", "console", "-e", "start"]);
    return exe;
  }
});

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: ["ignore", "ignore", "pipe"] });
}

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

// NumberOfSymbols in the COFF file header, 12 bytes after the "PE\0\0" signature's end.
function numberOfSymbols(file: string): number {
  const bytes = readFileSync(file);
  return bytes.readUInt32LE(bytes.readUInt32LE(0x3c) + 16);
}
