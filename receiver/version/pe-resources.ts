import { NoVersion, type PeBytes } from "./pe-bytes.js";
import type { PeLayout } from "./pe-headers.js";

const RT_VERSION = 16;
const MAX_ENTRIES = 4096; // per directory: the format allows 131,070
const MAX_VERSION_BYTES = 64 * 1024; // VS_VERSIONINFO's wLength is 16 bits

// The resource tree is type → name → language → data. Only RT_VERSION's first
// name and first language are followed: three fixed levels, so a directory that
// points back at itself cannot make the walk loop; it fails at the data level.
export async function readVersionResource(pe: PeBytes, layout: PeLayout): Promise<Buffer> {
  const base = layout.resources.offset;
  const types = await entries(pe, base, 0, "the resource directory");
  const version = types.find((e) => e.id === RT_VERSION);
  if (!version) throw new NoVersion("it has no version resource");
  const [name] = await entries(pe, base, subdirectory(version), "the version resource's names");
  if (!name) throw new NoVersion("its version resource is empty");
  const [language] = await entries(
    pe,
    base,
    subdirectory(name),
    "the version resource's languages",
  );
  if (!language) throw new NoVersion("its version resource has no language");
  if (language.directory) throw new NoVersion("its version resource nests too deep");
  const data = await pe.read(base + language.offset, 16, "the version resource's data entry");
  const rva = data.readUInt32LE(0);
  const size = Math.min(data.readUInt32LE(4), MAX_VERSION_BYTES);
  const offset = layout.offsetOf(rva, size);
  if (offset === undefined)
    throw new NoVersion(`the version resource (RVA 0x${rva.toString(16)}) lies in no section`);
  return pe.read(offset, size, "the version resource");
}

interface Entry {
  /** The resource's number; undefined for a named one. */
  id: number | undefined;
  directory: boolean;
  /** From the resource directory's start. */
  offset: number;
}

async function entries(pe: PeBytes, base: number, at: number, what: string): Promise<Entry[]> {
  const header = await pe.read(base + at, 16, what);
  const count = header.readUInt16LE(12) + header.readUInt16LE(14);
  if (count > MAX_ENTRIES) throw new NoVersion(`${what} has ${count} entries, too many`);
  const table = await pe.read(base + at + 16, count * 8, what);
  return Array.from({ length: count }, (_, i) => {
    const name = table.readUInt32LE(i * 8);
    const target = table.readUInt32LE(i * 8 + 4);
    return {
      id: name & 0x80000000 ? undefined : name,
      directory: (target & 0x80000000) !== 0,
      offset: target & 0x7fffffff,
    };
  });
}

function subdirectory(entry: Entry): number {
  if (!entry.directory) throw new NoVersion("its version resource is not a directory");
  return entry.offset;
}
