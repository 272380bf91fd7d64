import type { ServerPool } from "../pool/server-pool.js";
import type { Target } from "../pool/target.js";
import type { ErrorInfo, Judgement, StepName, StreamEvent, VersionInfo } from "../protocol.js";
import { watchRules } from "../watch/judge.js";
import { conclude, watchStep } from "../watch/watch-step.js";
import { replaceExe } from "./exe-file.js";
import { attempt, type ServersContext, type SwapContext } from "./swap-parts.js";

// The steps both strategies (and a restart) take, each reported the same way: the
// step's start, then done or failed with its duration and message.

export type Emit = (event: StreamEvent) => void;

// Runs one named step and reports it: start, then done or failed with its
// duration and message.
export function stepper(emit: Emit) {
  return async function step<T>(
    name: StepName,
    fn: () => T | Promise<T>,
    done?: (value: T) => string | undefined,
  ): Promise<T> {
    const started = performance.now();
    emit({ type: "step", step: name, state: "start" });
    try {
      const value = await fn();
      const message = done?.(value);
      emit({
        type: "step",
        step: name,
        state: "done",
        ms: Math.round(performance.now() - started),
        ...(message ? { message } : {}),
      });
      return value;
    } catch (error) {
      emit({
        type: "step",
        step: name,
        state: "failed",
        ms: Math.round(performance.now() - started),
        message: (error as Error).message,
      });
      throw error;
    }
  };
}

// Requests in flight finish before their servers stop (docs/design.md, guarantee 2), up to
// drainTimeout; past it what is left (long polls, event streams, WebSockets) is cut,
// so one long-lived answer cannot stretch a hold, and the log says so. `origins`
// narrows the wait to some servers (the old ones, while the new ones serve).
// True if every request finished.
export async function drainRequests(cx: ServersContext, origins?: string[]): Promise<boolean> {
  const { app, gate, emit } = cx;
  const ms = app.drainTimeoutMs;
  const idle = await gate.drain(ms, origins);
  if (!idle) {
    const cut = gate.cut(origins);
    const message = `${cut} request(s) or connection(s) still open after drainTimeout (${ms} ms): cut them`;
    emit({ type: "log", level: "warn", message });
  }
  return idle;
}

// Stops a pool's servers and tells the workflow log about any that ignored the
// polite stop and had to be killed: a build that does not shut down cleanly is
// worth knowing about even when the deploy succeeds.
export async function stopServers(pool: ServerPool, emit: Emit): Promise<void> {
  for (const message of await pool.stop(emit)) emit({ type: "log", level: "warn", message });
}

// The "swap" step of either strategy: the incoming file takes exeFile's place. When
// it fails, exeFile is still the old file (replaceExe puts it back).
export function swapExe(cx: SwapContext): Promise<void> {
  const { app, incoming, kept } = cx;
  cx.note("swap");
  return stepper(cx.emit)(
    "swap",
    () => replaceExe(incoming.path, app.exeFile, cx.replace),
    () =>
      `exeFile is now ${incoming.info.sha256.slice(0, 12)}` +
      (kept ? `; the old one is kept as release ${kept.id}` : ""),
  );
}

// The "settle" step: the new servers are watched for health.settle once they take
// requests. A server that stops fails the step. The answer is why the build is
// unstable, or undefined if all stayed up.
export async function settle(cx: SwapContext, pool: ServerPool): Promise<string | undefined> {
  const ms = cx.app.health.settle;
  const unstable = await attempt(() =>
    stepper(cx.emit)(
      "settle",
      async () => {
        const reason = await watchSettle(pool, ms);
        if (reason) throw new Error(reason);
      },
      () => `every server stayed up for ${ms} ms`,
    ),
  );
  return unstable?.message;
}

const SETTLE_POLL_MS = 50;

// A build can pass its health check and die seconds later (a crash on the first
// real request, a background job that fails). For `ms` after it takes requests,
// any server that exits or restarts makes the build unstable: the answer is the
// reason, or undefined if all stayed up.
async function watchSettle(pool: ServerPool, ms: number): Promise<string | undefined> {
  const before = new Map(pool.status().map((s) => [s.instance, s.restarts]));
  const deadline = Date.now() + ms;
  for (;;) {
    for (const server of pool.status()) {
      if (server.state === "crashed" || server.restarts > (before.get(server.instance) ?? 0)) {
        return `server #${server.instance} stopped within health.settle (${ms} ms) after it was healthy`;
      }
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(SETTLE_POLL_MS, deadline - Date.now())));
  }
}

/** What the servers of a judged step are: the new build's, and in a canary the old ones. */
export interface JudgedSides {
  isNew: (origin: string) => boolean;
  /** canary: the old servers, whose answers over the same time are the baseline. */
  isOld?: (origin: string) => boolean;
  /** canary: the new servers' targets, which take app.canary.share of clients meanwhile. */
  canaryTargets?: () => Target[];
}

// The "watch" or "canary" step (docs/design.md "judging by traffic", guarantee 11): the
// new build is judged by its answers at the gate. Undefined when the app does not ask
// for it or there is no kept release to go back to (a first deploy): nothing to judge
// for. A failed or aborted judgement is the caller's to roll back.
export async function judgeByTraffic(
  cx: SwapContext,
  step: "watch" | "canary",
  sides: JudgedSides,
): Promise<Judgement | undefined> {
  const judged = await judgeStep(cx, step, sides);
  // The watch is the last judged step, and a rejection ends judging too: from here a
  // promote or abort has nothing to end (end-watch.ts answers so).
  if (step === "watch" || rejection(judged)) cx.watch?.close();
  return judged;
}

async function judgeStep(
  cx: SwapContext,
  step: "watch" | "canary",
  sides: JudgedSides,
): Promise<Judgement | undefined> {
  const { app, watch: control, kept, gate } = cx;
  const forMs = step === "canary" ? app.canary?.for : app.watch?.for;
  // Promoted during the canary: judged enough.
  if (forMs === undefined || !control || control.ending?.how === "promoted") return undefined;
  if (!kept) {
    warnUnjudged(cx, step);
    return undefined;
  }
  cx.note(step);
  const { isNew, isOld, canaryTargets } = sides;
  const share = canaryTargets && app.canary?.share;
  if (canaryTargets && share) gate.splitTo({ share, targets: canaryTargets });
  try {
    const build = buildName(cx.incoming.info);
    const baselineBuild = kept && buildName(kept);
    const rules = watchRules(app);
    const spec = {
      step,
      forMs,
      rules,
      isNew,
      isOld,
      share: share || undefined,
      build,
      baselineBuild,
    };
    const judged = await watchStep({ gate, emit: cx.emit, control }, spec);
    if (step === "canary" && judged.baseline.requests >= spec.rules.minRequests)
      control.baseline = judged.baseline; // the old servers, more recent than before the deploy
    return judged;
  } finally {
    gate.splitTo(undefined); // every new request to the serving pool again
  }
}

/** What a judgement that went against the build says as the deploy's error; undefined if it stays. */
export function rejection(judged: Judgement | undefined): ErrorInfo | undefined {
  if (judged?.verdict !== "failed" && judged?.verdict !== "aborted") return undefined;
  return judged.verdict === "failed"
    ? {
        code: "ERR_ERROR_RATE",
        message: `the new build failed its ${judged.step}: ${conclude(judged)}`,
      }
    : { code: "ERR_ABORTED", message: `the ${judged.step} was ${conclude(judged)}` };
}

/** A build as metrics and the history name it: its version, else its digest's start. */
export const buildName = (info: VersionInfo) => info.version ?? info.sha256.slice(0, 12);

/** A first deploy (no kept release) is not judged: there is nothing to roll back to. */
export function warnUnjudged(
  cx: Pick<SwapContext, "emit">,
  step: "watch" | "canary" = "watch",
): void {
  const message = `not judged by traffic (${step}): there is no earlier release to roll back to`;
  cx.emit({ type: "log", level: "warn", message });
}
