import { DOMParser } from "@xmldom/xmldom";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The service definitions in examples/ are what users copy: they must parse, run
// the receiver with a config, and give it time to let a running swap finish.
describe("service examples", () => {
  it("WinSW: well-formed XML that runs node cli.mjs --config, restarts on failure, stops gently", () => {
    const errors: string[] = [];
    const doc = new DOMParser({
      onError: (level, message) => void errors.push(`${level}: ${message}`),
    }).parseFromString(readFileSync("examples/windows/hotswap-receiver.xml", "utf8"), "text/xml");
    expect(errors).toEqual([]);
    const text = (tag: string) => doc.getElementsByTagName(tag)[0]?.textContent?.trim();
    expect(text("id")).toBe("hotswap-receiver");
    expect(text("executable")).toMatch(/node\.exe$/i);
    expect(text("arguments")).toMatch(/cli\.mjs --config \S+\.yaml$/);
    expect(doc.getElementsByTagName("onfailure")[0]?.getAttribute("action")).toBe("restart");
    const stop = /^(\d+) sec$/.exec(text("stoptimeout") ?? "");
    expect(Number(stop?.[1])).toBeGreaterThanOrEqual(30);
    expect(doc.getElementsByTagName("env")[0]?.getAttribute("name")).toBe("HOTSWAP_SECRET");
  });

  it("systemd: runs node cli.mjs --config, keeps the secret out of the unit, stops gently", () => {
    const unit = readFileSync("examples/systemd/hotswap-receiver.service", "utf8");
    const key = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(unit)?.[1];
    expect(key("ExecStart")).toMatch(/node \S+cli\.mjs --config \S+\.yaml$/);
    expect(key("EnvironmentFile")).toBeDefined();
    expect(unit).not.toMatch(/HOTSWAP_SECRET=/);
    expect(key("KillMode")).toBe("mixed");
    expect(Number(key("TimeoutStopSec"))).toBeGreaterThanOrEqual(30);
    expect(key("Restart")).toBe("always");
  });
});
