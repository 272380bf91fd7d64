import type { Server } from "node:http";
import type { HandedSocket } from "../lifecycle/listen-fds.js";
import type { AnswerCounts } from "../protocol.js";
import type { CanarySplit } from "./canary-split.js";
import type { GateStats, HoldOwner } from "./gate.js";
import type { AnswerObserver } from "./router.js";

// An app's public port as the runtime, the swap and the receiver's lifecycle see it
// (docs/design.md §3), whichever mode runs it: the proxy (gate.ts: every request passes
// the receiver) or socket mode (socket/socket-gate.ts: the servers accept on the port
// themselves, and the receiver only keeps the socket open).
export interface AppGate {
  readonly mode: "proxy" | "socket";
  /** Listen on this already listening socket instead of binding host:port (§7). */
  inherit(socket: HandedSocket): void;
  /** Binds (or takes the inherited socket) once; its port. */
  listen(): Promise<{ port: number }>;
  /** Where this gate listens, as an origin to connect to (the wildcard as loopback). */
  origin(): string;
  /** What an upgrade hands to the new receiver: a listener, or the socket's descriptor. */
  handedOn(): Server | number;
  /** An upgrade's hand-over: the new receiver at `next` takes the port from here on. */
  handOver(next: string): void;
  /** After handOver: closes once its clients have closed their connections, or after lingerMs. */
  closeHandedOver(lingerMs: number): Promise<void>;
  /** A reload that moves the gate: the new address first, then the old one retires. */
  rebind(host: string, port: number): Promise<{ port: number }>;
  /** A reload's new hold bounds. */
  setHold(hold: { timeoutMs: number; maxRequests: number }): void;
  close(): Promise<void>;
  hold(owner?: HoldOwner): void;
  /** Lets `owner` go; true when that ended the hold (no other owner still holds). */
  release(owner?: HoldOwner): boolean;
  holders(): HoldOwner[];
  /** The app's servers changed: requests that waited for one may go now. */
  wake(): void;
  /** True once nothing is in flight (to `origins`, when given), false past timeoutMs. */
  drain(timeoutMs: number, origins?: Iterable<string>): Promise<boolean>;
  drainOrigins(origins: Iterable<string>, timeoutMs: number): Promise<boolean>;
  /** Cuts what is still in flight (to `origins`); how many. */
  cut(origins?: Iterable<string>): number;
  stats(): GateStats;
  /** Judging a build by traffic (proxy mode only, guarantee 11). */
  observe(observer: AnswerObserver | undefined): void;
  splitTo(split: CanarySplit | undefined): void;
  recentAnswers(): AnswerCounts;
  forgetAnswers(): void;
}
