// What the watch and canary tests share: a receiver under open-model load, a deploy
// with its events, and what the load saw of each version.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Judgement, ResultEvent, StreamEvent, WatchEvent } from "../../receiver/protocol.js";
import { deploy } from "../helpers/deploy.js";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { trafficTo } from "../load/traffic.js";
import {
  formatReport,
  loadReport,
  type LoadOptions,
  type OpenLoad,
  type Sample,
} from "../load/open-load.mjs";

export interface Deployed {
  result: ResultEvent;
  events: StreamEvent[];
  /** performance.now() when the result came back. */
  resultAt: number;
  /** performance.now() of each step's first start and end, by step name. */
  steps: Map<string, { startAt?: number; endAt?: number }>;
}

/** Deploys `file` and keeps when each step began and ended, in the load's clock. */
export async function deployTimed(rx: ReceiverProcess, file: string): Promise<Deployed> {
  const steps = new Map<string, { startAt?: number; endAt?: number }>();
  const r = await deploy(rx, file, (e) => {
    if (e.type !== "step") return;
    const at = steps.get(e.step) ?? {};
    // The first time only: a rollback holds and releases a second time.
    if (e.state === "start") at.startAt ??= performance.now();
    else at.endAt ??= performance.now();
    steps.set(e.step, at);
  });
  expect(r.result, JSON.stringify(r.events.slice(-5))).toBeDefined();
  return { result: r.result!, events: r.events, resultAt: performance.now(), steps };
}

/** Starts `rate` requests a second at the app's gate and waits until v1 answers. */
export const loadOn = (
  rx: ReceiverProcess,
  rate: number,
  options: Partial<Pick<LoadOptions, "clients" | "mix">> = {},
): Promise<OpenLoad> => trafficTo(rx.gate(), { rate, slowMs: 20, ...options });

/** Answers that came from version `name`: good ones ("v2") and its 500s ("v2 error"). */
export const from = (samples: Sample[], name: string) =>
  samples.filter((s) => s.version === name || s.text?.startsWith(`${name} `));

/** Answers version `name` gave with an error. */
export const errorsOf = (samples: Sample[], name: string) =>
  samples.filter((s) => s.status !== 200 && s.text?.startsWith(`${name} `));

/** The live counts the deploy streamed for `step`. */
export const watchEvents = (events: StreamEvent[], step: "watch" | "canary") =>
  events.filter((e): e is WatchEvent => e.type === "watch" && e.step === step);

/** The judgements in the result. */
export const judged = (result: ResultEvent): Judgement[] => result.judged ?? [];

/** Stops the load and prints its report; the samples, in answer order. */
export async function stopLoad(load: OpenLoad, what: string): Promise<Sample[]> {
  await load.stop();
  console.log(`${what}:\n${formatReport(loadReport(load.samples))}`);
  return load.samples;
}

/** Asserts that no request failed but those version `bad` answered with its 500s. */
export function onlyBadFailed(samples: Sample[], bad: string): void {
  const other = samples.filter(
    (s) => (s.error !== undefined || s.status !== 200) && !s.text?.startsWith(`${bad} `),
  );
  expect(other.slice(0, 5), `${other.length} other failure(s)`).toEqual([]);
}

export const bytes = (path: string) => readFileSync(path);
