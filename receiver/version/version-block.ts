import type { PeVersion } from "./pe-version.js";

// VS_VERSIONINFO is a tree of blocks: wLength, wValueLength, wType, a NUL-ended
// UTF-16 key, padding to 4 bytes, the value, padding, then child blocks up to
// wLength. The root's value is VS_FIXEDFILEINFO; its "StringFileInfo" child holds
// one table per language of String blocks. The first table is read, as Explorer does.
export function parseVersionBlock(bytes: Buffer): PeVersion | undefined {
  const root = block(bytes, 0, bytes.length);
  if (!root || root.key !== "VS_VERSION_INFO") return undefined;
  const version: PeVersion = {};
  const fixed = root.valueLength >= 52 && root.value + 52 <= root.end ? root.value : undefined;
  if (fixed !== undefined && bytes.readUInt32LE(fixed) === 0xfeef04bd) {
    const file = numbers(bytes.readUInt32LE(fixed + 8), bytes.readUInt32LE(fixed + 12));
    const product = numbers(bytes.readUInt32LE(fixed + 16), bytes.readUInt32LE(fixed + 20));
    if (file) version.fileVersion = file;
    if (product) version.productVersion = product;
  }
  const strings = children(bytes, root).find((b) => b.key === "StringFileInfo");
  const [table] = strings ? children(bytes, strings) : [];
  for (const string of table ? children(bytes, table) : []) {
    const value = text(bytes.subarray(string.value, string.end).toString("utf16le"));
    if (!value) continue;
    if (string.key === "FileVersion") version.fileVersion = value;
    else if (string.key === "ProductVersion") version.productVersion = value;
    else if (string.key === "ProductName") version.productName = value;
  }
  return Object.keys(version).length > 0 ? version : undefined;
}

interface Block {
  key: string;
  valueLength: number;
  /** Offsets into the resource: where the value starts, where the block ends. */
  value: number;
  end: number;
}

function block(bytes: Buffer, at: number, limit: number): Block | undefined {
  if (at + 6 > limit) return undefined;
  const length = bytes.readUInt16LE(at);
  const end = at + length;
  if (length < 6 || end > limit) return undefined;
  let keyEnd = at + 6;
  while (keyEnd + 2 <= end && bytes.readUInt16LE(keyEnd) !== 0) keyEnd += 2;
  const key = bytes.subarray(at + 6, keyEnd).toString("utf16le");
  const value = Math.min(align(keyEnd + 2), end);
  return { key, valueLength: bytes.readUInt16LE(at + 2), value, end };
}

// Each child starts 4-aligned after the value; a block of length 0 ends the list,
// so the walk always moves forward and stops at its parent's end.
function children(bytes: Buffer, parent: Block): Block[] {
  const found: Block[] = [];
  const valueBytes = parent.key === "VS_VERSION_INFO" ? parent.valueLength : 0;
  let at = align(parent.value + valueBytes);
  for (let child; (child = block(bytes, at, parent.end)); at = align(child.end)) found.push(child);
  return found;
}

function align(offset: number): number {
  return (offset + 3) & ~3;
}

function text(value: string): string | undefined {
  const trimmed = value.split("\0")[0]!.trim();
  return trimmed ? trimmed.slice(0, 200) : undefined;
}

// VS_FIXEDFILEINFO keeps a.b.c.d as two 32-bit halves; all zeros means "not set".
function numbers(high: number, low: number): string | undefined {
  if (!high && !low) return undefined;
  return [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff].join(".");
}
