// A truncated or hostile PE gives no version and a reason, never a throw nor an
// endless walk. Each case starts from a real gcc-built exe and breaks one thing;
// where things are is found by objdump and by the block's own key, not by the reader.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPeVersion } from "../../receiver/version/pe-version.js";
import { buildExe, hasTool, sections, type MingwTarget } from "../helpers/mingw-pe.js";

const TARGET: MingwTarget = "x86_64-w64-mingw32";
const toolchain = hasTool(`${TARGET}-gcc`);
if (!toolchain)
  console.warn(
    `pe-corrupt: skipping: ${TARGET}-gcc is missing (apt-get install gcc-mingw-w64-x86-64)`,
  );

const VERSION = { fileVersion: "3.1.4.1", productVersion: "3.1", productName: "WC Demo" };
const dir = mkdtempSync(join(tmpdir(), "hotswap-pe-corrupt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!toolchain)("truncated and corrupt PE files", () => {
  let good: Buffer;
  let peHeader: number;
  let dataDirectories: number;
  let rsrcSection: number; // its row in the section table
  let rsrc: number; // the resource directory's file offset
  let block: { start: number; end: number }; // VS_VERSIONINFO in the file
  let n = 0;
  beforeAll(() => {
    const exe = buildExe(dir, "good.exe", TARGET, VERSION);
    good = readFileSync(exe);
    peHeader = good.readUInt32LE(0x3c);
    const optional = peHeader + 24;
    dataDirectories = optional + (good.readUInt16LE(optional) === 0x20b ? 112 : 96);
    const table = optional + good.readUInt16LE(peHeader + 20);
    const index = sections(TARGET, exe).findIndex((s) => s.name === ".rsrc");
    rsrcSection = table + index * 40;
    rsrc = sections(TARGET, exe)[index]!.fileOffset;
    const start = good.indexOf(Buffer.from("VS_VERSION_INFO", "utf16le")) - 6;
    block = { start, end: start + good.readUInt16LE(start) };
  });

  async function read(bytes: Buffer) {
    const file = join(dir, `case-${n++}.exe`);
    writeFileSync(file, bytes);
    return readPeVersion(file);
  }
  // readPeVersion's last resort turns any throw into "it cannot be read (...)": a
  // reason from a bounds check is what these cases want, never that.
  async function expectNoVersion(bytes: Buffer, why: RegExp) {
    const result = await read(bytes);
    expect(result.version).toBeUndefined();
    expect(result.noVersion).toMatch(why);
    expect(result.noVersion).not.toMatch(/cannot be read/);
  }

  it("the unbroken exe reads as its .rc says", async () => {
    expect(block.start).toBeGreaterThan(rsrc);
    expect((await read(good)).version).toEqual(VERSION);
  });

  it("cut anywhere before the version block's end: no version, a reason", async () => {
    const cuts = [
      2,
      0x3c,
      0x40,
      peHeader + 2,
      peHeader + 30,
      dataDirectories + 20,
      rsrcSection + 10,
      rsrc + 4,
      rsrc + 20,
      rsrc + 40,
      block.start,
      block.start + 40,
      block.end - 2,
    ];
    for (const cut of cuts) await expectNoVersion(good.subarray(0, cut), /outside the file|ended/);
  });

  it("cut just after the version block: the version is still read (only it was needed)", async () => {
    expect((await read(good.subarray(0, block.end))).version).toEqual(VERSION);
  });

  it("a resource directory RVA in no section", async () => {
    const bad = Buffer.from(good);
    bad.writeUInt32LE(0x7ff00000, dataDirectories + 2 * 8);
    await expectNoVersion(bad, /resource directory \(RVA 0x7ff00000\) lies in no section/);
  });

  it(".rsrc's raw data pointing outside the file", async () => {
    const bad = Buffer.from(good);
    bad.writeUInt32LE(0x7ff00000, rsrcSection + 20); // PointerToRawData
    await expectNoVersion(bad, /lies outside the file/);
  });

  it("the version's data entry pointing outside every section", async () => {
    const bad = Buffer.from(good);
    const entry = versionDataEntry(bad);
    bad.writeUInt32LE(0x7ff00000, entry);
    await expectNoVersion(bad, /version resource \(RVA 0x7ff00000\) lies in no section/);
    bad.writeUInt32LE(good.readUInt32LE(entry), entry);
    bad.writeUInt32LE(0xffffffff, entry + 4); // its size
    await expectNoVersion(bad, /lies in no section|outside the file/);
  });

  it("a loop in the directory: RT_VERSION's entry points back at the root", async () => {
    const bad = Buffer.from(good);
    bad.writeUInt32LE(0x80000000, rootVersionEntry(bad) + 4);
    await expectNoVersion(bad, /./);
  });

  it("a loop one level down: the name directory's entry points at itself", async () => {
    const bad = Buffer.from(good);
    const names = bad.readUInt32LE(rootVersionEntry(bad) + 4) & 0x7fffffff;
    bad.writeUInt32LE((0x80000000 | names) >>> 0, rsrc + names + 16 + 4);
    await expectNoVersion(bad, /nests too deep/);
  });

  it("a directory claiming 131,070 entries", async () => {
    const bad = Buffer.from(good);
    bad.writeUInt16LE(0xffff, rsrc + 12);
    bad.writeUInt16LE(0xffff, rsrc + 14);
    await expectNoVersion(bad, /too many/);
  });

  it("65,535 sections, and a PE header offset past the end", async () => {
    const sectionsBad = Buffer.from(good);
    sectionsBad.writeUInt16LE(0xffff, peHeader + 6);
    await expectNoVersion(sectionsBad, /too many/);
    const header = Buffer.from(good);
    header.writeUInt32LE(0xfffffff0, 0x3c);
    await expectNoVersion(header, /outside the file/);
  });

  it("a version block whose lengths lie: no version, no throw", async () => {
    const bad = Buffer.from(good);
    bad.writeUInt16LE(0xffff, block.start); // wLength past the resource
    await expectNoVersion(bad, /holds no version/);
    const zero = Buffer.from(good);
    zero.writeUInt16LE(0, block.start);
    await expectNoVersion(zero, /holds no version/);
  });

  it("random bytes over the headers and the resources: never a throw", async () => {
    let seed = 17;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const regions = [
      [0, peHeader + 24 + 240],
      [rsrc, block.end],
    ] as const;
    for (let i = 0; i < 300; i++) {
      const bad = Buffer.from(good);
      const [from, to] = regions[i % 2]!;
      for (let k = 0; k < 1 + Math.floor(random() * 8); k++)
        bad[from + Math.floor(random() * (to - from))] = Math.floor(random() * 256);
      const result = await read(bad);
      // No PE once "MZ" is gone; else what the .rc says (a byte that mattered to
      // nothing) or a reason.
      if (bad.toString("latin1", 0, 2) !== "MZ") expect(result).toEqual({});
      else if (result.version === undefined)
        expect(result.noVersion).toMatch(/^(?!.*cannot be read)./);
      else expect(typeof result.version).toBe("object");
    }
  });

  // The root directory's entry for RT_VERSION (16), found by scanning its entries.
  function rootVersionEntry(bytes: Buffer): number {
    const count = bytes.readUInt16LE(rsrc + 12) + bytes.readUInt16LE(rsrc + 14);
    for (let i = 0; i < count; i++)
      if (bytes.readUInt32LE(rsrc + 16 + i * 8) === 16) return rsrc + 16 + i * 8;
    throw new Error("no RT_VERSION in the test exe");
  }
  // type → first name → first language → the data entry (RVA, size).
  function versionDataEntry(bytes: Buffer): number {
    let at = bytes.readUInt32LE(rootVersionEntry(bytes) + 4) & 0x7fffffff;
    for (let level = 0; level < 2; level++)
      at = bytes.readUInt32LE(rsrc + at + 16 + 4) & 0x7fffffff;
    return rsrc + at;
  }
});
