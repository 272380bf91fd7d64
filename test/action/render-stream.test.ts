import { describe, expect, it } from "vitest";
import type { ResultEvent, StreamEvent } from "../../receiver/protocol.js";
import { outputs } from "../../action/outputs.js";
import type { LogLines, Out } from "../../api-client/out.js";
import { renderStream } from "../../api-client/render-stream.js";
import { workflowLog } from "../../action/workflow-log.js";

const TOKEN = "fence-token";
const OPEN = `::stop-commands::${TOKEN}`;
const CLOSE = `::${TOKEN}::`;

// Records what would reach the log, one string per call to @actions/core.
function recorder(): { out: Out; log: string[] } {
  const log: string[] = [];
  const lines: LogLines = {
    info: (m) => log.push(m),
    startGroup: (n) => log.push(`group: ${n}`),
    endGroup: () => log.push("endgroup"),
    warning: (m) => log.push(`warning: ${m}`),
    error: (m) => log.push(`error: ${m}`),
  };
  return { out: workflowLog(lines, TOKEN), log };
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
    );
    expect(result).toEqual(ok);
    expect(log).toEqual([
      "group: upload (800 ms)",
      "endgroup",
      "group: hold (until release)",
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
    await expect(renderStream(broken(), out)).rejects.toThrow("socket hang up");
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
    );
    expect(log).toEqual(["group: hold", "endgroup", "group: unload (5 ms)", "endgroup"]);
  });
});

describe("renderStream, watch and canary", () => {
  const watchStart: StreamEvent = {
    type: "step",
    step: "watch",
    state: "start",
    message:
      "judging the new build for 60 s: at most 2% more 5xx than before the deploy (980 answer(s), 2 error(s) (0.2%) in the last minute), once 20 answered",
  };
  const counts = (elapsedMs: number, requests: number, errors: number): StreamEvent => ({
    type: "watch",
    step: "watch",
    counts: { requests, errors },
    baseline: { requests: 980, errors: 2 },
    elapsedMs,
    forMs: 60_000,
  });

  it("opens a watch's group at its start and streams its counts inside it, in order", async () => {
    const { out, log } = recorder();
    const seen: number[] = [];
    async function* stream(): AsyncGenerator<string> {
      for (const event of [watchStart, counts(24_000, 412, 3), counts(60_000, 1204, 3)]) {
        yield JSON.stringify(event);
        seen.push(log.length);
      }
      yield JSON.stringify({
        type: "step",
        step: "watch",
        state: "done",
        ms: 60_012,
        message: "passed: the new build: 1204 answer(s), 3 error(s) (0.25%)",
      });
    }
    await renderStream(stream(), out);
    // The group and each line were out before the next event came, not at the step's end.
    expect(log[0]).toBe("group: watch: judging the new build for 60 s");
    expect(seen).toEqual([4, 7, 10]);
    expect(log).toEqual([
      "group: watch: judging the new build for 60 s",
      OPEN,
      watchStart.type === "step" ? watchStart.message : "",
      CLOSE,
      OPEN,
      "watch 24/60 s: 412 answers, 3 errors (0.7%); baseline 980 answers, 2 errors (0.2%)",
      CLOSE,
      OPEN,
      "watch 60/60 s: 1,204 answers, 3 errors (0.2%); baseline 980 answers, 2 errors (0.2%)",
      CLOSE,
      OPEN,
      "passed: the new build: 1204 answer(s), 3 error(s) (0.25%)",
      CLOSE,
      OPEN,
      "watch done (60.0 s)",
      CLOSE,
      "endgroup",
    ]);
  });

  it("shows a canary's share of clients, and titles a step without a message as running", async () => {
    const { out, log } = recorder();
    await renderStream(
      lines(
        { type: "step", step: "canary", state: "start" },
        {
          type: "watch",
          step: "canary",
          counts: { requests: 41, errors: 0 },
          baseline: { requests: 370, errors: 1 },
          share: 0.1,
          elapsedMs: 5_000,
          forMs: 30_000,
        },
        { type: "step", step: "canary", state: "done", ms: 30_000 },
      ),
      out,
    );
    expect(log).toEqual([
      "group: canary (running)",
      OPEN,
      "canary 5/30 s: 41 answers, 0 errors (0.0%); baseline 370 answers, 1 error (0.3%); 10% of clients on the new build",
      CLOSE,
      OPEN,
      "canary done (30.0 s)",
      CLOSE,
      "endgroup",
    ]);
  });

  it("makes a failed watch an error annotation inside its group, then its outcome", async () => {
    const { out, log } = recorder();
    await renderStream(
      lines(
        watchStart,
        counts(5_000, 40, 6),
        {
          type: "step",
          step: "watch",
          state: "failed",
          ms: 5_250,
          message: "error share over 2% beyond the baseline's after 5250 ms",
        },
        { type: "step", step: "rollback", state: "done", ms: 900 },
      ),
      out,
    );
    expect(log.slice(4)).toEqual([
      OPEN,
      "watch 5/60 s: 40 answers, 6 errors (15.0%); baseline 980 answers, 2 errors (0.2%)",
      CLOSE,
      "error: watch failed: error share over 2% beyond the baseline's after 5250 ms",
      OPEN,
      "watch failed (5.3 s)",
      CLOSE,
      "endgroup",
      "group: rollback (900 ms)",
      "endgroup",
    ]);
  });

  it("fences receiver text in watch lines, and ignores a watch event without its numbers", async () => {
    const { out, log } = recorder();
    await renderStream(
      lines(
        { type: "step", step: "watch", state: "start", message: "::add-mask::x\n::error::y" },
        JSON.stringify({
          type: "watch",
          step: "::set-env name=A::b",
          counts: { requests: 1, errors: 0 },
          baseline: { requests: 0, errors: 0 },
          elapsedMs: 0,
          forMs: 1500,
        }),
        JSON.stringify({ type: "watch", step: "watch", counts: "many" }),
        JSON.stringify({ type: "verdict", step: "watch" }),
      ),
      out,
    );
    expect(log).toEqual([
      "group: watch: ::add-mask::x",
      OPEN,
      "::add-mask::x\n::error::y",
      CLOSE,
      OPEN,
      "::set-env name=A::b 0/1.5 s: 1 answer, 0 errors (0.0%); baseline 0 answers, 0 errors (0.0%)",
      CLOSE,
      OPEN,
      "watch (unfinished)",
      CLOSE,
      "endgroup",
    ]);
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
