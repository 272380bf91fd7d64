import type { AnswerCounts, ResultEvent, StreamEvent } from "../protocol.js";
import type { Receiver } from "../receiver.js";
import { VERSION } from "../version.js";
import { HOLD_BUCKETS_S, Histogram } from "./histogram.js";

const label = (value: string) => value.replace(/["\\\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));

// What a Prometheus scrape of /metrics shows: operations and their outcomes,
// rollbacks, hold times, the gate's held and rejected requests and the servers'
// restarts. Outcomes are counted from every app's event feed as results arrive;
// gate and server figures are read at scrape time.
export class Metrics {
  private readonly operations = new Map<string, number>();
  private readonly rollbacks = new Map<string, number>();
  private readonly holds = new Map<string, Histogram>();
  private readonly watched = new Map<string, number>();

  private readonly followed = new WeakSet<object>();

  constructor(private readonly receiver: Receiver) {
    this.follow();
  }

  /** Counts the results of every app's feed, once each; again after a reload adds apps. */
  follow(): void {
    for (const rt of this.receiver.apps.values()) {
      if (this.followed.has(rt)) continue;
      this.followed.add(rt);
      rt.feed.on("event", ({ app, event }: { app: string; event: StreamEvent }) => {
        if (event.type === "result") this.count(app, event);
      });
    }
  }

  private count(app: string, result: Extract<StreamEvent, { type: "result" }>): void {
    const outcome = result.ok ? "ok" : result.rolledBack ? "rolled_back" : "failed";
    const key = `app="${label(app)}",op="${result.op}",outcome="${outcome}"`;
    this.operations.set(key, (this.operations.get(key) ?? 0) + 1);
    if (
      (result.ok && result.op === "rollback" && !result.unchanged) ||
      (!result.ok && result.rolledBack)
    ) {
      const k = `app="${label(app)}",reason="${rollbackReason(result)}"`;
      this.rollbacks.set(k, (this.rollbacks.get(k) ?? 0) + 1);
    }
    // Every answer a canary or watch judged, by the build that gave it.
    for (const j of result.judged ?? []) {
      const add = (build: string | undefined, { requests, errors }: AnswerCounts) => {
        if (build === undefined) return;
        const at = `app="${label(app)}",version="${label(build)}"`;
        this.bump(this.watched, `${at},outcome="ok"`, requests - errors);
        this.bump(this.watched, `${at},outcome="error"`, errors);
      };
      add(j.build, j.counts);
      if (j.step === "canary") add(j.baselineBuild, j.baseline);
    }
    // Only real holds: an overlap swap holds nothing and reports 0 ms.
    if (result.op !== "upload" && result.holdMs > 0) {
      const k = `app="${label(app)}"`;
      if (!this.holds.has(k)) this.holds.set(k, new Histogram(HOLD_BUCKETS_S));
      this.holds.get(k)!.observe(result.holdMs / 1000);
    }
  }

  private bump(counters: Map<string, number>, key: string, by: number): void {
    counters.set(key, (counters.get(key) ?? 0) + by);
  }

  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, lines: string[]) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    family("hotswap_build_info", "gauge", "The receiver's version.", [
      `hotswap_build_info{version="${label(VERSION)}"} 1`,
    ]);
    family(
      "hotswap_operations_total",
      "counter",
      "Deploys, uploads, swaps, rollbacks and restarts by outcome.",
      [...this.operations].map(([k, v]) => `hotswap_operations_total{${k}} ${v}`),
    );
    family(
      "hotswap_rollbacks_total",
      "counter",
      "Rollbacks: requested (or aborted by hand), after a failed deploy, or by a watch's error rate.",
      [...this.rollbacks].map(([k, v]) => `hotswap_rollbacks_total{${k}} ${v}`),
    );
    family(
      "hotswap_watch_requests_total",
      "counter",
      "Answers a canary or watch judged, by build and outcome (error: 5xx or none), counted as each ends.",
      [...this.watched].map(([k, v]) => `hotswap_watch_requests_total{${k}} ${v}`),
    );
    family(
      "hotswap_hold_seconds",
      "histogram",
      "How long requests were held per operation.",
      [...this.holds].flatMap(([k, h]) => h.lines("hotswap_hold_seconds", k)),
    );
    const apps = [...this.receiver.apps.values()];
    const per = (
      name: string,
      type: string,
      help: string,
      value: (rt: (typeof apps)[number]) => number,
    ) =>
      family(
        name,
        type,
        help,
        apps.map((rt) => `${name}{app="${label(rt.config.name)}"} ${value(rt)}`),
      );
    per(
      "hotswap_gate_served_total",
      "counter",
      "Requests the gate answered from a server.",
      (rt) => rt.gate.stats().served,
    );
    per(
      "hotswap_gate_rejected_total",
      "counter",
      "Requests the gate refused (503 hold overflow or timeout, 502).",
      (rt) => rt.gate.stats().rejected,
    );
    per(
      "hotswap_gate_resent_total",
      "counter",
      "Requests sent to a second server after the first failed with them (guarantee 9).",
      (rt) => rt.gate.stats().resent,
    );
    per(
      "hotswap_gate_held_requests_total",
      "counter",
      "Requests that waited at the gate (a hold, or no healthy server).",
      (rt) => rt.gate.stats().queuedTotal,
    );
    per(
      "hotswap_gate_held_requests",
      "gauge",
      "Requests waiting in the hold queue now.",
      (rt) => rt.gate.stats().queued,
    );
    per(
      "hotswap_gate_inflight_requests",
      "gauge",
      "Requests under way to a server now.",
      (rt) => rt.gate.stats().inflight,
    );
    per("hotswap_gate_holding", "gauge", "1 while the gate holds new requests.", (rt) =>
      rt.gate.stats().held ? 1 : 0,
    );
    per(
      "hotswap_servers_healthy",
      "gauge",
      "Servers that pass their health check.",
      (rt) => rt.pool.targets().length,
    );
    per(
      "hotswap_server_restarts_total",
      "counter",
      "Restarts of servers that stopped on their own, since the receiver started.",
      (rt) => rt.serverRestarts,
    );
    per(
      "hotswap_log_followers",
      "gauge",
      "Open follows of the app's output (GET /v1/apps/{app}/logs?follow=1, the admin page).",
      (rt) => rt.output.followers,
    );
    return out.join("\n") + "\n";
  }
}

// Why a rollback happened: asked for (a rollback, or a watch aborted by hand), the
// watch's error rate (guarantee 11), or a deploy that failed otherwise.
function rollbackReason(result: ResultEvent): string {
  if (result.op === "rollback") return "requested";
  const code = result.ok ? undefined : result.error.code;
  if (code === "ERR_ERROR_RATE") return "error-rate";
  return code === "ERR_ABORTED" ? "requested" : "failed_deploy";
}
