import { request } from "node:http";
import { connect } from "node:net";
import { REFUSER_HEADER } from "../gate/socket/refuser.js";

/** The answer of one health probe. */
export interface Probe {
  ok: boolean;
  message: string;
  /** The HTTP status the server answered, when it did. */
  status?: number;
  /** Socket mode: the receiver's own refuser answered, not the server (ask again at once). */
  refused?: boolean;
}

// One look at a server: with a path, the app says itself whether it is ready (2xx);
// without one, accepting connections is the best sign there is. Never rejects and
// never hangs past timeoutMs, so the poll loop above it stays simple.
export function probeHealth(
  port: number,
  path: string | undefined,
  timeoutMs: number,
  host = "127.0.0.1",
): Promise<Probe> {
  return new Promise<Probe>((resolve) => {
    const what = path === undefined ? `TCP connect to port ${port}` : `GET ${path}`;
    let settled = false;
    const finish = (ok: boolean, outcome: string, refused = false, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      connection.destroy();
      resolve({
        ok,
        message: `${what} ${outcome}`,
        ...(status !== undefined ? { status } : {}),
        ...(refused ? { refused } : {}),
      });
    };
    const failed = (error: NodeJS.ErrnoException) =>
      finish(false, `failed: ${error.code ?? error.message}`);
    const timer = setTimeout(
      () => finish(false, `got no answer within ${timeoutMs} ms`),
      timeoutMs,
    );
    const connection =
      path === undefined
        ? connect({ host, port }, () => finish(true, "succeeded"))
        : request({ host, port, path, agent: false }, (res) => {
            res.resume();
            const status = res.statusCode ?? 0;
            const refused = res.headers[REFUSER_HEADER] !== undefined;
            finish(
              status >= 200 && status < 300 && !refused,
              refused ? "was answered by the receiver's refuser" : `answered ${status}`,
              refused,
              refused ? undefined : status,
            );
          }).end();
    connection.on("error", failed);
  });
}
