import { describe, expect, it } from "vitest";
import type { ResultEvent, StreamEvent } from "../../receiver/protocol.js";
import { outputs } from "../../action/outputs.js";
import { renderStream, type Out } from "../../action/render-stream.js";

const TOKEN = "fence-token";
const OPEN = `::stop-commands::${TOKEN}`;
const CLOSE = `::${TOKEN}::`;

// Records what would reach the log, one string per call to @actions/core.
function recorder(): { out: Out; log: string[] } {
  const log: string[] = [];
  const out: Out = {
    info: (m) => log.push(m),
    startGroup: (n) => log.push(`group: ${n}`),
    endGroup: () => log.push("endgroup"),
    warning: (m) => log.push(`warning: ${m}`),
    error: (m) => log.push(`error: ${m}`),
  };
  return { out, log };
}

async function* lines(...events: (StreamEvent | string)[]): AsyncGenerator<string> {
  for (const event of events) yield typeof event === "string" ? event : JSON.stringify(event);
}

const version = {
  sha256: "b".repeat(64),
  size: 10,
  mtime: "2024-01-01T00:00:00Z",
  version: "1.2.4",
};
const previous = { sha256: "a".repeat(64), size: 9, mtime: "2023-01-01T00:00:00Z" };
const ok: ResultEvent = {
  type: "result",
  ok: true,
  deployId: "d-1",
  op: "deploy",
  app: "webdemo",
  version,
  previous,
  holdMs: 12,
  durationMs: 3456,
};

describe("renderStream", () => {
  it("turns each step into a group titled with its time, in order", async () => {
    const { out, log } = recorder();
    const result = await renderStream(
      lines(
        { type: "step", step: "upload", state: "done", ms: 800 },
        { type: "step", step: "hold", state: "start" },
        { type: "heartbeat" },
        { type: "log", level: "info", message: "holding requests" },
        { type: "step", step: "hold", state: "done", ms: 12 },
        { type: "progress", received: 5, total: 10 },
        { type: "step", step: "reload", state: "start", message: "starting 2 servers" },
        { type: "step", step: "reload", state: "done", ms: 2500 },
        ok,
      ),
      out,
      TOKEN,
    );
    expect(result).toEqual(ok);
    expect(log).toEqual([
      "group: upload (800 ms)",
      "endgroup",
      "group: hold (12 ms)",
      OPEN,
      "holding requests",
      CLOSE,
      "endgroup",
      "group: reload (2.5 s)",
      OPEN,
      "starting 2 servers",
      CLOSE,
      "endgroup",
    ]);
  });

  it("fences receiver text, so a workflow command in it stays text", async () => {
    const { out, log } = recorder();
    await renderStream(
      lines(
        { type: "log", level: "info", message: "::add-mask::x\n::set-env name=A::b" },
        "not json ::error::x",
      ),
      out,
      TOKEN,
    );
    expect(log).toEqual([
      OPEN,
      "::add-mask::x\n::set-env name=A::b",
      CLOSE,
      OPEN,
      "unreadable line from the receiver: not json ::error::x",
      CLOSE,
    ]);
  });

  it("makes warnings and errors annotations, in place within the step", async () => {
    const { out, log } = recorder();
    await renderStream(
      lines(
        { type: "step", step: "reload", state: "start" },
        { type: "log", level: "info", message: "a" },
        { type: "log", level: "warn", message: "slow health check" },
        { type: "log", level: "info", message: "b" },
        { type: "step", step: "reload", state: "failed", ms: 30_000, message: "no health" },
        { type: "log", level: "error", message: "rolled back" },
      ),
      out,
      TOKEN,
    );
    expect(log).toEqual([
      "group: reload failed (30.0 s)",
      OPEN,
      "a",
      CLOSE,
      "warning: slow health check",
      OPEN,
      "b",
      CLOSE,
      "error: reload failed: no health",
      "endgroup",
      "error: rolled back",
    ]);
  });

  it("closes a step left open when the stream ends, and reports no result", async () => {
    const { out, log } = recorder();
    const result = await renderStream(
      lines(
        { type: "step", step: "swap", state: "start" },
        { type: "log", level: "info", message: "x" },
      ),
      out,
      TOKEN,
    );
    expect(result).toBeUndefined();
    expect(log).toEqual(["group: swap (unfinished)", OPEN, "x", CLOSE, "endgroup"]);
  });

  it("closes an open step when the stream breaks", async () => {
    const { out, log } = recorder();
    async function* broken(): AsyncGenerator<string> {
      yield JSON.stringify({ type: "step", step: "unload", state: "start" });
      throw new Error("socket hang up");
    }
    await expect(renderStream(broken(), out, TOKEN)).rejects.toThrow("socket hang up");
    expect(log).toEqual(["group: unload (unfinished)", "endgroup"]);
  });

  it("closes a step that another step's start interrupts", async () => {
    const { out, log } = recorder();
    await renderStream(
      lines(
        { type: "step", step: "hold", state: "start" },
        { type: "step", step: "unload", state: "done", ms: 5 },
      ),
      out,
      TOKEN,
    );
    expect(log).toEqual(["group: hold", "endgroup", "group: unload (5 ms)", "endgroup"]);
  });
});

describe("outputs", () => {
  it("maps a result to the step's outputs", () => {
    expect(outputs(ok)).toEqual({
      "deploy-id": "d-1",
      version: "1.2.4",
      sha256: version.sha256,
      "previous-sha256": previous.sha256,
      "hold-ms": "12",
      "duration-ms": "3456",
      unchanged: "false",
    });
  });

  it("falls back to the sha256 as the version, and to empty for what is unknown", () => {
    const failed: ResultEvent = {
      type: "result",
      ok: false,
      deployId: "d-2",
      op: "swap",
      app: "webdemo",
      error: { code: "HEALTH", message: "no" },
      version: { ...version, version: undefined },
      holdMs: 1,
      durationMs: 2,
    };
    expect(outputs(failed)).toMatchObject({ version: version.sha256, "previous-sha256": "" });
  });
});
