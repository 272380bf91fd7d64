import { NoVersion, type PeBytes } from "./pe-bytes.js";

/** Where the resource directory is in the file, and how to find what its RVAs point at. */
export interface PeLayout {
  /** File offset of the resource directory's start, and its size by the data directory. */
  resources: { offset: number; size: number };
  /** The file offset of `length` bytes at `rva`, if one section's raw data holds them all. */
  offsetOf(rva: number, length: number): number | undefined;
}

const MAX_SECTIONS = 1024; // the PE format allows 65,535; real exes have a few dozen
const RESOURCE_DIRECTORY = 2;

// DOS header → "PE\0\0" → COFF header → optional header (PE32 or PE32+) → section
// table: only as far as the resource directory's data directory entry and the
// sections that map its RVAs. A few hundred bytes, whatever the exe's size.
export async function readPeLayout(pe: PeBytes): Promise<PeLayout> {
  const dos = await pe.read(0, 64, "the DOS header");
  const at = dos.readUInt32LE(0x3c);
  const coff = await pe.read(at, 24, "the PE header");
  if (coff.readUInt32LE(0) !== 0x4550) throw new NoVersion(`no PE signature at offset ${at}`);
  const sectionCount = coff.readUInt16LE(6);
  const optionalSize = coff.readUInt16LE(20);
  if (sectionCount > MAX_SECTIONS) throw new NoVersion(`${sectionCount} sections is too many`);
  const optional = await pe.read(at + 24, optionalSize, "the optional header");
  if (optional.length < 2) throw new NoVersion("the optional header is missing");
  const magic = optional.readUInt16LE(0);
  // PE32 keeps the data directories at 96, PE32+ (64-bit) at 112: BaseOfData went, ImageBase grew.
  const directories = magic === 0x10b ? 96 : magic === 0x20b ? 112 : undefined;
  if (directories === undefined)
    throw new NoVersion(`unknown optional header magic 0x${magic.toString(16)}`);
  const count = optional.length >= directories ? optional.readUInt32LE(directories - 4) : 0;
  const entry = directories + RESOURCE_DIRECTORY * 8;
  if (count <= RESOURCE_DIRECTORY || entry + 8 > optional.length)
    throw new NoVersion("it has no resource directory");
  const rva = optional.readUInt32LE(entry);
  const size = optional.readUInt32LE(entry + 4);
  if (rva === 0 || size === 0) throw new NoVersion("it has no resources");
  const table = await pe.read(at + 24 + optionalSize, sectionCount * 40, "the section table");
  const sections = Array.from({ length: sectionCount }, (_, i) => ({
    rva: table.readUInt32LE(i * 40 + 12),
    rawSize: table.readUInt32LE(i * 40 + 16),
    rawOffset: table.readUInt32LE(i * 40 + 20),
  }));
  const offsetOf = (at: number, length: number) => {
    const section = sections.find((s) => at >= s.rva && at - s.rva + length <= s.rawSize);
    return section && section.rawOffset + (at - section.rva);
  };
  // The directory proper is small: only its first bytes must lie in a section.
  const offset = offsetOf(rva, 16);
  if (offset === undefined)
    throw new NoVersion(`the resource directory (RVA 0x${rva.toString(16)}) lies in no section`);
  return { resources: { offset, size }, offsetOf };
}
