import { gzipSync } from "node:zlib";

export interface TarEntry {
  name: string;
  type?: "file" | "dir" | "symlink" | "link" | "char" | "block" | "fifo";
  data?: Buffer | string;
  /** Permission bits; 0o644 for files, 0o755 for folders by default. */
  mode?: number;
  /** A link's target. */
  target?: string;
}

const TYPE_FLAG = {
  file: "0",
  link: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

const field = (block: Buffer, at: number, length: number, text: string) => {
  block.write(text, at, length, "utf8");
};
const octal = (block: Buffer, at: number, length: number, n: number) => {
  field(block, at, length - 1, n.toString(8).padStart(length - 1, "0"));
};

// A tar.gz written byte by byte (ustar headers), independent of the tar package
// under test, so that hostile archives can say anything: `../x`, `/abs`, devices.
export function tarGz(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "file";
    const data = Buffer.from(type === "file" ? (entry.data ?? "") : "");
    const header = Buffer.alloc(512);
    field(header, 0, 100, entry.name);
    octal(header, 100, 8, entry.mode ?? (type === "dir" ? 0o755 : 0o644));
    octal(header, 108, 8, 1000);
    octal(header, 116, 8, 1000);
    octal(header, 124, 12, data.length);
    octal(header, 136, 12, 1_700_000_000);
    field(header, 156, 1, TYPE_FLAG[type]);
    field(header, 157, 100, entry.target ?? "");
    field(header, 257, 8, "ustar\u000000");
    field(header, 148, 8, "        ");
    const sum = header.reduce((a, b) => a + b, 0);
    field(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\u0000 `);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
