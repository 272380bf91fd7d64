import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** The client's socket and the bytes read past the headers, for an `Upgrade` request. */
export interface UpgradeRequest {
  socket: Duplex;
  head: Buffer;
}

// One client request on its way through the gate, possibly over several attempts.
export interface Exchange {
  req: IncomingMessage;
  /** For an upgrade, a response bound to the raw socket: the gate's own refusals use it. */
  res: ServerResponse;
  /** Date.now() at arrival: the hold timeout counts from here, across re-queues. */
  arrived: number;
  /** Whether a body follows the headers: if so, once sent it cannot be sent again. */
  hasBody: boolean;
  /** GET, HEAD or OPTIONS without a body: may be sent once more if no answer came. */
  idempotent: boolean;
  /** Origins tried in this round that refused it before it was sent. */
  tried: Set<string>;
  /** Servers that failed after it reached them: a second one ends it with 502. */
  failures: number;
  /** Called once the next attempt has run on a server: lets the resend line move on. */
  afterAttempt?: () => void;
  /** Set for `Upgrade` requests (WebSocket): forwarded as a tunnel, not a message. */
  upgrade?: UpgradeRequest;
  /** Its client's side of a canary (canary-split.ts), worked out once, when first needed. */
  bucket?: number;
}

const IDEMPOTENT: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

// What decides whether a request can be sent again is known at arrival: its method,
// and whether a body follows (a body once sent cannot be sent a second time).
export function exchange(
  req: IncomingMessage,
  res: ServerResponse,
  upgrade?: UpgradeRequest,
): Exchange {
  const length = req.headers["content-length"];
  const hasBody =
    req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  const idempotent = !hasBody && upgrade === undefined && IDEMPOTENT.has(req.method ?? "");
  return {
    req,
    res,
    arrived: Date.now(),
    hasBody,
    idempotent,
    tried: new Set(),
    failures: 0,
    upgrade,
  };
}
