import { randomBytes } from "node:crypto";

// Sortable by time, unique, safe in a file name and a URL: d-20261121T213157Z-a1b2c3.
export function newDeployId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `d-${stamp}-${randomBytes(3).toString("hex")}`;
}
