/**
 * How one attempt ended, in the terms the retry policy decides on:
 * - served: the answer went out whole (or the tunnel ran and closed);
 * - unsent: it never went out on a connection (refused, connect timeout): it cannot
 *   have reached the app, so any other server may have it;
 * - unanswered: it went out and no answer byte came back (the server died, reset the
 *   connection, or stalled): the app may have run it;
 * - cut: the answer had begun and broke off; only a cut tells the client;
 * - timeout: the server sent no headers within the gate's answer bound (504);
 * - slow-client: the client sent its body too slowly (408);
 * - gone: the client went away.
 */
export type Outcome =
  "served" | "unsent" | "unanswered" | "cut" | "timeout" | "slow-client" | "gone";

export type Settle = (outcome: Outcome, error?: Error) => void;

/** The client sent its body too slowly: the attempt is aborted with this. */
export class SlowClientError extends Error {
  readonly code = "ERR_GATE_SLOW_BODY";
}

/** The gate ended the attempt itself (drain timeout, stall): the reason is the message. */
export class CutError extends Error {
  readonly code = "ERR_GATE_CUT";
}

/** The server owed an answer too long and failed its health check: sent elsewhere. */
export class StalledError extends Error {
  readonly code = "ERR_GATE_STALLED";
}
