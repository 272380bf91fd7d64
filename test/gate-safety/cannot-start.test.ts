// An app whose servers cannot start is not on hold: holding its requests would only end
// in hold.timeout. Its gate answers 503 with Retry-After at once, and the receiver's log
// says why: no exeFile, an exeFile that cannot be executed, a server that exits at start.
import { describe, expect, it } from "vitest";
import { receiverPerTest, SLOW } from "./kit.js";
import type { GateAppBehaviour } from "./gate-app.js";

// hold.timeout well above what the answer may take here, and short enough that a gate
// which holds anyway answers (503 after the hold) within the test's bounds.
const app = {
  drainTimeout: "1s",
  health: { path: "/health", timeout: "3s" },
  hold: { timeout: "8s", maxRequests: 100 },
};

interface Case {
  name: string;
  v1: Partial<GateAppBehaviour> | null;
  /** What the receiver's log must say about the cause. */
  reason: RegExp;
}

const cases: Case[] = [
  { name: "exeFile does not exist", v1: null, reason: /does not exist|missing|ENOENT/i },
  {
    name: "exeFile is not executable",
    v1: { mode: 0o644 },
    reason: /EACCES|not executable|permission/i,
  },
  { name: "every server exits at start", v1: { crashAtStart: 3 }, reason: /exited with code 3/ },
];

describe("an app whose servers cannot start", SLOW, () => {
  const start = receiverPerTest();

  it.each(cases)("$name: the gate answers 503 with Retry-After at once", async ({ v1, reason }) => {
    const { ws: w, rx: r } = await start({ v1, app });
    const started = performance.now();
    const res = await fetch(`${r.gate()}/`, { signal: AbortSignal.timeout(20_000) });
    const elapsed = performance.now() - started;
    const text = (await res.text()).trim();
    const why = r.logs.filter((line) => reason.test(line));
    console.log(
      `${w.exeFile}: ${res.status} after ${elapsed.toFixed(0)} ms, Retry-After ${res.headers.get("retry-after")}, "${text}"; ` +
        `log: ${why[0] ?? r.logs.filter((l) => / (warn|error) /.test(l)).join(" | ")}`,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(text).toMatch(/^hotswap: webdemo /);
    expect(text).not.toMatch(/stayed on hold/); // refused at once, not after a hold
    expect(elapsed).toBeLessThan(5_000); // a bound far below hold.timeout, not a benchmark
    expect(why).not.toEqual([]);
  });
});
