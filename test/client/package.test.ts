// What `npm install -g hotswap-deploy` (or npx) gets: `npm pack` of this package ships the
// two bundles the bins name, the README and package.json, and nothing else (no sources,
// no tests, no action bundle).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Pack {
  name: string;
  files: { path: string; mode: number }[];
}

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  name: string;
  private?: boolean;
  bin: Record<string, string>;
};

describe("the published package", () => {
  it("ships exactly the CLI and receiver bundles, the README and package.json", () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const out = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      encoding: "utf8",
      env: { ...process.env, npm_config_loglevel: "silent" },
    });
    const [pack] = JSON.parse(out) as Pack[];
    expect(pack!.name).toBe("hotswap-deploy");
    expect(pack!.files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "dist/client/hotswap.mjs",
      "dist/receiver/cli.mjs",
      "package.json",
    ]);
  });

  it("is publishable and names both commands, each a bundle that starts with a shebang", () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({
      hotswap: "dist/client/hotswap.mjs",
      "hotswap-receiver": "dist/receiver/cli.mjs",
    });
    for (const file of Object.values(pkg.bin))
      expect(readFileSync(file, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});
