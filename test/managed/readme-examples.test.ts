import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadConfig } from "../../receiver/config/load-config.js";

// The README's examples for servers managed elsewhere are what users copy: each must load.
const readme = readFileSync("README.md", "utf8");
const section = readme.slice(
  readme.indexOf("## Servers managed elsewhere"),
  readme.indexOf("\n## ", readme.indexOf("## Servers managed elsewhere") + 3),
);
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!));

describe("README: servers managed elsewhere", () => {
  const dir = mkdtempSync(join(tmpdir(), "hotswap-readme-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = {
    exeFile: "./deploy/webdemo",
    updateFile: "./deploy/webdemo_update",
    gate: 8080,
    upstream: "http://127.0.0.1:8081",
  };

  it("has the examples (systemd, a Windows service, IIS, Web Connection)", () => {
    expect(blocks).toHaveLength(4);
  });

  it.each(blocks.map((b, i) => [i, b] as const))("example %i loads", (i, block) => {
    // A whole app, or the commands of one.
    const { from, ...app } = block.apps?.webdemo ?? { ...base, ...block };
    const file = join(dir, `hotswap-${i}.yaml`);
    const config = {
      audience: "https://deploy.test",
      auth: { keys: [{ id: "ci", secret: "0123456789abcdef0123456789abcdef" }] },
      apps: { webdemo: { ...(from ? base : {}), ...app } },
    };
    writeFileSync(file, stringify(config));
    const managed = loadConfig(file, {}).apps.get("webdemo")!.managed!;
    expect(managed.stop.length).toBeGreaterThan(0);
    expect(managed.start.length).toBeGreaterThan(0);
    expect(managed.upstream).toBe("http://127.0.0.1:8081");
  });
});
