import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Judgement, ResultEvent } from "../../receiver/protocol.js";
import type { Settings } from "../../action/settings.js";
import { writeSummary } from "../../action/write-summary.js";

// @actions/core reads GITHUB_STEP_SUMMARY once and keeps the path: one file for the module.
let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-summary-"));
  file = join(dir, "summary");
  vi.stubEnv("GITHUB_STEP_SUMMARY", file);
  vi.stubEnv("GITHUB_SERVER_URL", "https://github.com");
  vi.stubEnv("GITHUB_REPOSITORY", "octo/webdemo");
  vi.stubEnv("GITHUB_RUN_ID", "4242");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => writeFile(file, ""));

const settings: Settings = {
  url: "https://deploy.example.com",
  app: "webdemo",
  operation: "deploy",
  keyId: "ci",
  audience: "hotswap",
  force: false,
  timeoutMs: 900_000,
};
const version = { sha256: "b".repeat(64), size: 10, mtime: "2024-01-01T00:00:00Z" };
const watch: Judgement = {
  step: "watch",
  verdict: "passed",
  build: "webdemo 1.2.0",
  counts: { requests: 1204, errors: 3 },
  baseline: { requests: 1000, errors: 2 },
  ms: 60_012,
  forMs: 60_000,
  maxErrorRate: 0.02,
  minRequests: 20,
};
const base = { type: "result", deployId: "d-1", op: "deploy", app: "webdemo", holdMs: 0 } as const;

async function summaryOf(result: ResultEvent): Promise<string> {
  await writeSummary(settings, result);
  return readFile(file, "utf8");
}

describe("writeSummary", () => {
  it("adds a row per canary and watch with its verdict and counts", async () => {
    const canary: Judgement = {
      ...watch,
      step: "canary",
      counts: { requests: 41, errors: 0 },
      baseline: { requests: 370, errors: 0 },
      share: 0.1,
      ms: 30_000,
      forMs: 30_000,
    };
    const summary = await summaryOf({
      ...base,
      ok: true,
      version,
      judged: [canary, watch],
      durationMs: 91_000,
    });
    const canaryRow =
      "<th>canary</th><td>passed: 41 answers, 0 errors (0.00%) in 30.0 s; baseline 0.00%; at most 2% more; 10% of clients on the new build</td>";
    const watchRow =
      "<th>watch</th><td>passed: 1,204 answers, 3 errors (0.25%) in 60.0 s; baseline 0.20%; at most 2% more</td>";
    expect(summary).toContain(canaryRow);
    expect(summary).toContain(watchRow);
    expect(summary.indexOf(canaryRow)).toBeLessThan(summary.indexOf(watchRow));
  });

  it("says who ended a watch and what failed it, escaped", async () => {
    const summary = await summaryOf({
      ...base,
      ok: false,
      error: { code: "ERR_ERROR_RATE", message: "error share over 2%" },
      rolledBack: true,
      judged: [{ ...watch, verdict: "aborted", by: "<b>admin</b> & co", ms: 5_250 }],
      durationMs: 9_000,
    });
    expect(summary).toContain(
      "<th>watch</th><td>aborted by &#60;b&#62;admin&#60;/b&#62; &#38; co: 1,204 answers, 3 errors (0.25%) in 5.3 s;",
    );
    expect(summary).not.toContain("<b>admin</b>");
    expect(summary).toContain("ERR_ERROR_RATE: error share over 2%");
  });

  it("says how many answers an unjudged watch lacked, and adds no row without judgements", async () => {
    const unjudged = await summaryOf({
      ...base,
      ok: true,
      version,
      judged: [{ ...watch, verdict: "unjudged", counts: { requests: 4, errors: 0 } }],
      durationMs: 61_000,
    });
    expect(unjudged).toContain("unjudged: 4 answers, 0 errors (0.00%) in 60.0 s;");
    expect(unjudged).toContain("; 20 answers needed to judge</td>");
    await writeFile(file, "");
    const plain = await summaryOf({ ...base, ok: true, version, durationMs: 1_000 });
    expect(plain).not.toContain("<th>watch</th>");
    expect(plain).toContain("<th>total time</th><td>1.0 s</td>");
  });
});
