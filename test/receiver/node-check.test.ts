import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NODE_NEEDED, olderThan, tooOldMessage } from "../../receiver/node-check.js";

// The receiver's first check (receiver/node-check.ts): on an older Node it names the version
// found, the one needed and the fix. Run by hand on Node 18.20.4 (Debian 12's), the bundle
// printed that line and exited 1; here, the comparison and the line.
describe("the receiver's Node version check", () => {
  it("needs what package.json's engines.node says", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${NODE_NEEDED}`);
  });

  it.each([
    ["18.20.4", true],
    ["20.18.0", true],
    ["20.9.0", true],
    ["20.18.1", false],
    ["20.19.0", false],
    ["22.0.0", false],
    ["24.1.0", false],
  ])("Node %s is too old: %s", (version, old) => {
    expect(olderThan(version)).toBe(old);
  });

  it("names the version found, the one needed and where to get it", () => {
    const line = tooOldMessage("18.20.4");
    expect(line).toContain("Node 18.20.4");
    expect(line).toContain(`Node ${NODE_NEEDED} or newer`);
    expect(line).toMatch(/NodeSource.*nodejs\.org/);
  });
});
