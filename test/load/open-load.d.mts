// Types of open-load.mjs, the load generator the tests and the benchmark share.

/** The requests of the mix: GET /, GET /slow?ms=slowMs, POST / with postBytes of body. */
export type RequestKind = "get" | "slow" | "post";

export interface ClientOptions {
  /** The gate: http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  /** How long /slow takes to answer; default 300. */
  slowMs?: number;
  /** Size of a POST's body; default 4096. */
  postBytes?: number;
  /** Each request fails as a timeout after this long; default 30 s. */
  timeoutMs?: number;
}

/** What happened to one request; times are performance.now() of the load's process. */
export interface Sample {
  kind: RequestKind;
  keepAlive: boolean;
  /** When it was due to arrive; latency counts from here. */
  scheduledAt: number;
  /** When it was handed to the client. */
  sentAt: number;
  /** When the whole answer was in, or the request failed. */
  doneAt: number;
  latencyMs: number;
  status?: number;
  /** The first word of a good answer: the version of the app that served it. */
  version?: string;
  retryAfter?: string;
  /** Which of LoadOptions.clients sent it (its `hotswap-canary` cookie), when the load has several. */
  client?: number;
  /** The error's code (ECONNRESET, UND_ERR_SOCKET, TimeoutError, …) when it failed. */
  error?: string;
  /** The body of an answer that was not a good one, or the error's message. */
  text?: string;
}

export interface GateClient {
  send(
    kind: RequestKind,
    keepAlive: boolean,
    scheduledAt?: number,
    client?: number,
  ): Promise<Sample>;
  close(): Promise<void>;
}

export interface LoadOptions extends ClientOptions {
  /** Arrivals per second. */
  rate: number;
  /** The schedule's length; the load stops itself after it. Default: until stop(). */
  durationMs?: number;
  /** Relative weights of the request kinds; default all GET /. */
  mix?: Partial<Record<RequestKind, number>>;
  /** Share of requests on the keep-alive pool (the rest send `connection: close`); default 0.5. */
  keepAliveShare?: number;
  /** Seed of the mix's random choices; default 1. */
  seed?: number;
  /** Spread the requests over this many clients, each with its own `hotswap-canary` cookie. */
  clients?: number;
}

export interface OpenLoad {
  /** Every answered request so far, in the order the answers came back. */
  readonly samples: Sample[];
  readonly startedAt: number;
  /** Arrivals sent so far. */
  readonly scheduled: number;
  /** The furthest the generator ever fell behind its schedule, in ms. */
  readonly maxLagMs: number;
  /** Ends the arrivals; resolves with every sample once all are answered. */
  stop(): Promise<Sample[]>;
  /** Resolves with every sample when the load has ended (by itself or by stop()). */
  readonly done: Promise<Sample[]>;
}

export interface HoldWindow {
  /** The "hold" step started. */
  start: number;
  /** The "release" step started: the gate lets go right after. */
  releasing?: number;
  /** The "release" step is done. */
  end?: number;
}

export interface HoldWindows {
  readonly windows: HoldWindow[];
  /** Give it every event of the deploy streams. */
  onEvent(event: { type: string; step?: string; state?: string }): void;
  /** Whether time t falls in a hold window. */
  during(t: number): boolean;
}

export interface Latency {
  count: number;
  p50?: number;
  p99?: number;
  max?: number;
}

export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  resets: number;
  /** Failed requests by how they failed ("reset (ECONNRESET)", "status 503", …). */
  failures: Record<string, number>;
  /** The first failed request of each kind: what it was, and its answer or error message. */
  examples: Record<string, string>;
  /** Requests by kind and connection ("post close"). */
  byKind: Record<string, number>;
  /** Requests sent while a swap held the gate. */
  held: Latency;
  outside: Latency;
  holds: number;
  /** Each closed hold window's length as the client saw it. */
  holdMs: number[];
  /**
   * For each hold whose release began: requests sent after it began and before its release,
   * answered after the release began (the ones it kept waiting at once).
   */
  heldByHold: number[];
  /** Versions in the order they answered, each run of equal ones counted once. */
  versions: string[];
}

export const RESET_CODES: ReadonlySet<string>;
export function gateClient(options: ClientOptions): GateClient;
export function failure(sample: Sample): string | undefined;
export function openLoad(options: LoadOptions): OpenLoad;
export function holdWindows(): HoldWindows;
export function loadReport(samples: readonly Sample[], holds?: HoldWindows): LoadReport;
/** Requests answered with an older version (by `order`, oldest first) than an answer seen before they were sent. */
export function wentBack(samples: readonly Sample[], order: readonly string[]): Sample[];
export function formatReport(report: LoadReport): string;
