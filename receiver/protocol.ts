// Wire types of the receiver's HTTP API v1 (docs/design.md §4).
// The action imports these, so both sides of the wire agree at compile time.
// Type-only plus a few constants: nothing here may pull server code into the action.

/**
 * What a token allows; one per API call. `admin`: the receiver itself (upgrade, reload).
 * `promote` and `abort` end a running watch or canary (docs/design.md "judging by traffic").
 */
export type Op =
  "deploy" | "upload" | "swap" | "rollback" | "status" | "logs" | "admin" | "promote" | "abort";
export const OPS: readonly Op[] = [
  "deploy",
  "upload",
  "swap",
  "rollback",
  "status",
  "logs",
  "admin",
  "promote",
  "abort",
];
/** The `app` claim of a token for the receiver itself (op `admin`): no app can be named so. */
export const RECEIVER_SCOPE = "*";
/** The operations that only read: no swap, no result event. */
export type ReadOp = "status" | "logs";

/** The steps of a swap, in the seed's order. */
export type StepName =
  | "upload"
  | "hold"
  | "unload"
  | "swap"
  | "reload"
  | "release"
  | "settle"
  | "rollback"
  /** strategy: overlap: new servers start beside the old ones, the gate switches, the old ones drain. */
  | "start"
  | "switch"
  | "drain"
  /** The app's hooks (docs/design.md "Folder apps, hooks"): before the hold, after the release. */
  | "beforeSwap"
  | "afterRelease"
  /** Judging by traffic: the new servers take a share first (canary), all of it (watch). */
  | "canary"
  | "watch";
export type StepState = "start" | "done" | "failed";

/** Header that carries the artifact's SHA-256 (lowercase hex). */
export const SHA256_HEADER = "x-hotswap-sha256";
/** Header that carries the id of the GitHub Deployment a call belongs to, for the journal. */
export const GITHUB_DEPLOYMENT_HEADER = "x-hotswap-github-deployment";
export const NDJSON = "application/x-ndjson";
/** The receiver sends a heartbeat after at most this much silence. */
export const HEARTBEAT_MS = 10_000;
/** A token may live at most this long (exp - iat). */
export const MAX_TOKEN_LIFETIME_S = 300;

/** What the receiver knows of one executable file. */
export interface VersionInfo {
  sha256: string;
  size: number;
  /** Write date, ISO 8601. */
  mtime: string;
  /**
   * First line of versionCommand's output, when configured and it succeeded; else, for a
   * Windows exe with a version resource, its ProductName and FileVersion ("WC Demo 1.2.3.4").
   */
  version?: string;
  /** Windows exe: FileVersion from the version resource (else its fixed a.b.c.d numbers). */
  fileVersion?: string;
  /** Windows exe: ProductVersion from the version resource (else its fixed a.b.c.d numbers). */
  productVersion?: string;
  /** Windows exe: ProductName from the version resource. */
  productName?: string;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

/** Body of every error answered before the stream starts. */
export interface ErrorBody {
  error: ErrorInfo;
}

export interface StepEvent {
  type: "step";
  step: StepName;
  state: StepState;
  /** Duration of the step, on done and failed. */
  ms?: number;
  message?: string;
}

export interface LogEvent {
  type: "log";
  level: "info" | "warn" | "error";
  message: string;
}

export interface ProgressEvent {
  type: "progress";
  received: number;
  total: number;
}

export interface HeartbeatEvent {
  type: "heartbeat";
}

/** Answers at the gate while a build is judged: 5xx and failures to answer are errors. */
export interface AnswerCounts {
  requests: number;
  errors: number;
}

/** Live counts of a running watch or canary, at least every 5 s. */
export interface WatchEvent {
  type: "watch";
  step: "watch" | "canary";
  /** The new build's answers since the step began. */
  counts: AnswerCounts;
  /** What its share is judged against: the old servers over the same window (canary), or the gate's answers before the deploy (watch). */
  baseline: AnswerCounts;
  /** canary: the share of clients whose requests go to the new servers (0..1). */
  share?: number;
  elapsedMs: number;
  forMs: number;
}

/** How a watch or canary ended. */
export type Verdict =
  /** At least minRequests answered and the error share stayed within maxErrorRate. */
  | "passed"
  /** The error share went past maxErrorRate (beyond the baseline's): rolled back. */
  | "failed"
  /** Fewer than minRequests answered: not judged, kept, with a warning. */
  | "unjudged"
  /** Ended early by promote (the API, the admin page, or a new deploy). */
  | "promoted"
  /** Ended early by abort (the API, the admin page, or a rollback): rolled back. */
  | "aborted";

export interface Judgement extends Omit<WatchEvent, "type" | "elapsedMs"> {
  verdict: Verdict;
  /** The build judged and its baseline's, by version (else the first 12 of the SHA-256). */
  build: string;
  baselineBuild?: string;
  /** How long it ran. */
  ms: number;
  maxErrorRate: number;
  minRequests: number;
  /** Who ended it early (promoted, aborted), or why. */
  by?: string;
}

/** What a result can be the end of: an API operation, or a restart from the admin page. */
export type ResultOp = Exclude<Op, ReadOp | "admin" | "promote" | "abort"> | "restart";

export interface OkResult {
  type: "result";
  ok: true;
  deployId: string;
  op: ResultOp;
  app: string;
  /** The file now live (upload: the staged file). */
  version: VersionInfo;
  /** The file that was live before (upload: the live file). */
  previous?: VersionInfo;
  /** Deploy or swap of the file that is live already: nothing was held or swapped. */
  unchanged?: true;
  /** The app's publicUrl from the receiver's config, where one is set. */
  publicUrl?: string;
  /** The canary and watch the new build went through, in order. */
  judged?: Judgement[];
  holdMs: number;
  durationMs: number;
}

export interface FailedResult {
  type: "result";
  ok: false;
  deployId: string;
  op: ResultOp;
  app: string;
  error: ErrorInfo;
  /** Whether the old release was put back and serves again. */
  rolledBack?: boolean;
  /** Last output lines of the servers that failed, newest last. */
  output?: string[];
  version?: VersionInfo;
  previous?: VersionInfo;
  /** The canary and watch the new build went through, in order; the last one failed it. */
  judged?: Judgement[];
  holdMs: number;
  durationMs: number;
}

export type ResultEvent = OkResult | FailedResult;
export type StreamEvent =
  StepEvent | LogEvent | ProgressEvent | HeartbeatEvent | WatchEvent | ResultEvent;

/** Claims of a key-mode token (docs/design.md §5). */
export interface DeployClaims {
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  app: string;
  op: Op;
  sha256?: string;
  repository?: string;
  ref?: string;
  sha?: string;
  run_id?: string;
  actor?: string;
}

export type OutputStream = "stdout" | "stderr";

/** One line of GET /v1/apps/{app}/logs: a line a server printed (docs/design.md §4). */
export interface AppLogLine {
  /** When the receiver read it, ISO 8601. */
  time: string;
  instance: number;
  stream: OutputStream;
  /** Cut at 4 KiB (saying so), control characters shown as escapes ("\\x1b"). */
  line: string;
}

/** Sent in place of lines a follower read too slowly to get: how many it missed. */
export interface AppLogDropped {
  time: string;
  dropped: number;
}

export type AppLogEvent = AppLogLine | AppLogDropped | HeartbeatEvent;

export type ServerState = "starting" | "healthy" | "crashed" | "stopping" | "stopped";

export interface ServerStatus {
  instance: number;
  pid?: number;
  port: number;
  state: ServerState;
  restarts: number;
  startedAt?: string;
  lastHealth?: { ok: boolean; at: string; message: string };
}

export interface ReleaseInfo extends VersionInfo {
  id: string;
  keptAt: string;
}

export interface JournalEntry {
  deployId: string;
  app: string;
  op: ResultOp | "recover" | "hold" | "release";
  outcome: "started" | "ok" | "failed" | "rolled-back" | "interrupted";
  at: string;
  who?: Partial<Pick<DeployClaims, "repository" | "ref" | "sha" | "run_id" | "actor">> & {
    /** Key mode: the key id that signed. */
    keyId?: string;
    /** OIDC: the workflow (job_workflow_ref), event and environment GitHub vouched for. */
    workflow?: string;
    event?: string;
    environment?: string;
    /** The admin page. */
    admin?: boolean;
    /** The seed's links (UploadExe.wc, UpdateExe.wc, …) with Basic auth; `actor` is the user. */
    legacy?: boolean;
    /** The GitHub Deployment the action made for this call (its id, as the action sent it). */
    githubDeployment?: number;
  };
  before?: VersionInfo;
  after?: VersionInfo;
  /** A failed or rolled-back deploy, swap or rollback: the build that did not go live (after is what serves). */
  tried?: VersionInfo;
  holdMs?: number;
  durationMs?: number;
  error?: ErrorInfo;
  message?: string;
  /** The canary and watch of a deploy, swap or rollback, with their counts. */
  judged?: Judgement[];
}

/** A watch or canary under way, as GET /v1/apps/{app} and the admin page show it. */
export interface WatchStatus extends Omit<WatchEvent, "type"> {
  deployId: string;
  maxErrorRate: number;
  minRequests: number;
}

/** Answer of GET /v1/apps/{app}. */
export interface AppStatus {
  app: string;
  exeFile: string;
  updateFile: string;
  /** Where exeFile and updateFile were set: the receiver's config file, or a web.config / wc.ini. */
  sources: { exeFile: string; updateFile: string };
  current: VersionInfo | null;
  staged: VersionInfo | null;
  busy: boolean;
  instances: ServerStatus[];
  hold: { held: boolean; queued: number; inflight: number };
  /** Why the gate answers 503 at once instead of holding: the servers cannot start. */
  unavailable?: string;
  releases: ReleaseInfo[];
  recent: JournalEntry[];
  /** A watch or canary under way: promote or abort end it. */
  watch?: WatchStatus;
}

/** The audience an OIDC token must carry to be good for exactly one call. */
export function boundAudience(audience: string, app: string, op: Op, sha256?: string): string {
  return `${audience}#app=${app}&op=${op}&sha256=${sha256 ?? "-"}`;
}
