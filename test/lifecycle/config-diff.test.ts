import { describe, expect, it } from "vitest";
import { loadConfig } from "../../receiver/config/load-config.js";
import { diffConfig } from "../../receiver/lifecycle/config-diff.js";
import { receiverEnv } from "../helpers/workspace.js";
import { reloadWorkspace } from "./reload-workspace.js";

// What a reload touches (docs/design.md §7), from two configs as the loader resolves them.
describe("diffConfig", () => {
  const ws = reloadWorkspace([]);
  const load = (apps: Record<string, Record<string, unknown>>, top?: Record<string, unknown>) => {
    ws.write(apps, top);
    return loadConfig(ws.configFile, { ...process.env, ...receiverEnv });
  };

  it("sorts apps into added, removed, changed and unchanged, and names what changed", () => {
    const before = load({ a: {}, b: {}, c: {}, d: {} });
    const after = load(
      {
        a: {},
        b: { instances: 3, env: { PORT: "{port}", X: "1" } },
        c: { gate: "127.0.0.1:9999", hold: { timeout: "30s", maxRequests: 10 } },
        e: {},
      },
      { trustProxy: ["127.0.0.1"] },
    );
    const diff = diffConfig(before, after);
    expect(diff.unchanged).toEqual(["a"]);
    expect(diff.removed).toEqual(["d"]);
    expect(diff.added.map((a) => a.name)).toEqual(["e"]);
    expect(diff.top).toEqual(["trustProxy"]);
    const [b, c] = diff.changed;
    expect(b).toMatchObject({ name: "b", servers: ["env", "instances 2 → 3"], rebind: false });
    expect(c).toMatchObject({ name: "c", servers: [], rebind: true, other: ["hold"] });
  });

  it("tells gate timeouts and file moves apart from the rest", () => {
    const before = load({ a: {} });
    const after = load({
      a: {
        exeFile: "./deploy/other",
        gate: { listen: "127.0.0.1:0", stallTimeout: "3s" },
        drainTimeout: "4s",
      },
    });
    const [a] = diffConfig(before, after).changed;
    expect(a!.replace).toEqual([expect.stringMatching(/^exeFile .* → .*other$/)]);
    expect(a!.gateTimeouts).toEqual(["gate.stallTimeout"]);
    expect(a!.other).toEqual(["drainTimeout"]);
    expect(a!.rebind).toBe(false);
  });

  it("finds an identical file identical", () => {
    const a = load({ a: {} });
    expect(diffConfig(a, load({ a: {} }))).toMatchObject({
      changed: [],
      top: [],
      unchanged: ["a"],
    });
  });
});
