// The version echo on exes built the usual way with mingw-w64 gcc: debug sections
// after .rsrc (which the PE library used before refused), stripped, GUI, 32-bit, signed.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readPeVersion } from "../../receiver/version/pe-version.js";
import { versionInfo } from "../../receiver/version/version-info.js";
import {
  buildExe,
  hasTool,
  sections,
  signExe,
  type MingwTarget,
  type RcVersion,
} from "../helpers/mingw-pe.js";

const X64: MingwTarget = "x86_64-w64-mingw32";
const X86: MingwTarget = "i686-w64-mingw32";
const x64 = hasTool(`${X64}-gcc`);
const x86 = hasTool(`${X86}-gcc`);
const signing = hasTool("osslsigncode", ["--version"]) && hasTool("openssl", ["version"]);
for (const [present, what] of [
  [x64, `${X64}-gcc (apt-get install gcc-mingw-w64-x86-64)`],
  [x86, `${X86}-gcc (apt-get install gcc-mingw-w64-i686)`],
  [signing, "osslsigncode and openssl (apt-get install osslsigncode openssl)"],
] as const)
  if (!present) console.warn(`gcc-pe: skipping the cases that need ${what}: it is missing`);

const dir = mkdtempSync(join(tmpdir(), "hotswap-gcc-pe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each exe says a different version, so a right answer cannot come from another file.
const version = (n: number): RcVersion => ({
  fileVersion: `2.${n}.3.4`,
  productVersion: `2.${n}.0`,
  productName: `WC Demo ${n}`,
});

describe.skipIf(!x64)(`${X64}-gcc`, () => {
  it("default build: reads the version though debug sections follow .rsrc", async () => {
    const exe = buildExe(dir, "default.exe", X64, version(1));
    const names = sections(X64, exe).map((s) => s.name);
    expect(names.slice(names.indexOf(".rsrc") + 1)).toContain(".debug_info");
    expect((await readPeVersion(exe)).version).toEqual(version(1));
    expect((await versionInfo(exe))?.version).toBe("WC Demo 1 2.1.3.4");
  });

  it("stripped (-s)", async () => {
    const exe = buildExe(dir, "stripped.exe", X64, version(2), ["-s"]);
    expect(sections(X64, exe).map((s) => s.name)).not.toContain(".debug_info");
    expect((await readPeVersion(exe)).version).toEqual(version(2));
  });

  it("GUI (-mwindows)", async () => {
    const exe = buildExe(dir, "gui.exe", X64, version(3), ["-mwindows"]);
    expect(subsystem(exe)).toBe(2); // IMAGE_SUBSYSTEM_WINDOWS_GUI
    expect((await readPeVersion(exe)).version).toEqual(version(3));
  });

  it.skipIf(!signing)("signed (osslsigncode): a certificate table appended", async () => {
    const exe = buildExe(dir, "unsigned.exe", X64, version(4));
    const signed = join(dir, "signed.exe");
    signExe(dir, exe, signed);
    expect(certificateTableSize(signed)).toBeGreaterThan(0);
    expect(statSync(signed).size).toBeGreaterThan(statSync(exe).size);
    expect((await readPeVersion(signed)).version).toEqual(version(4));
  });
});

describe.skipIf(!x86)(`${X86}-gcc (32-bit, PE32)`, () => {
  it("default build", async () => {
    const exe = buildExe(dir, "x86.exe", X86, version(5));
    expect(optionalMagic(exe)).toBe(0x10b);
    expect((await readPeVersion(exe)).version).toEqual(version(5));
  });

  it("stripped GUI build", async () => {
    const exe = buildExe(dir, "x86-gui.exe", X86, version(6), ["-s", "-mwindows"]);
    expect((await readPeVersion(exe)).version).toEqual(version(6));
  });
});

function optionalHeader(exe: string): { bytes: Buffer; at: number } {
  const bytes = readFileSync(exe);
  return { bytes, at: bytes.readUInt32LE(0x3c) + 24 };
}
function optionalMagic(exe: string): number {
  const { bytes, at } = optionalHeader(exe);
  return bytes.readUInt16LE(at);
}
function subsystem(exe: string): number {
  const { bytes, at } = optionalHeader(exe);
  return bytes.readUInt16LE(at + 68); // the same offset in PE32 and PE32+
}
// Data directory entry 4 (the certificate table): its size.
function certificateTableSize(exe: string): number {
  const { bytes, at } = optionalHeader(exe);
  const directories = at + (bytes.readUInt16LE(at) === 0x20b ? 112 : 96);
  return bytes.readUInt32LE(directories + 4 * 8 + 4);
}
