import { connect } from "node:net";
import type { Attempt } from "./attempts.js";
import type { Exchange } from "./exchange.js";
import type { HeaderMap } from "./hop-by-hop.js";
import type { Settle } from "./outcome.js";

export interface TunnelOptions {
  port: number;
  headers: HeaderMap;
  connectTimeoutMs: number;
  /** The first answer byte came back. */
  answered: () => void;
}

// An `Upgrade` request (WebSocket, h2c, …): the request head goes to the server as
// the client sent it, and from then on bytes flow both ways untouched, with TCP
// backpressure, until either side closes. Whatever the server answers (101, or a
// refusal) reaches the client as it was written. A failed connect means it was never
// sent; once sent, nothing is sent again.
export function tunnel(ex: Exchange, options: TunnelOptions, done: Settle): Attempt["abort"] {
  const { req, res } = ex;
  const client = ex.upgrade!.socket;
  let sent = false;
  let answered = false;
  let settled = false;
  const upstream = connect({ host: "127.0.0.1", port: options.port });
  upstream.setNoDelay(true);
  const timer = setTimeout(() => {
    upstream.destroy(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" }));
  }, options.connectTimeoutMs);
  const settle = (error?: Error): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    client.off("close", clientGone);
    upstream.destroy();
    if (sent) client.destroy();
    if (!sent) done("unsent", error);
    else if (answered) done(error ? "cut" : "served", error);
    else if (client.destroyed && error === undefined) done("gone");
    else done("unanswered", error ?? new Error("the server closed the connection"));
  };
  const clientGone = (): void => settle();
  client.once("close", clientGone);

  upstream.once("connect", () => {
    clearTimeout(timer);
    if (client.destroyed) return settle();
    sent = true;
    res.detachSocket(client as never); // from here on the server answers, not the gate
    let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(options.headers)) {
      for (const one of Array.isArray(value) ? value : [value]) head += `${name}: ${one}\r\n`;
    }
    upstream.write(head + "\r\n");
    if (ex.upgrade!.head.length > 0) upstream.write(ex.upgrade!.head);
    upstream.once("data", () => {
      answered = true;
      options.answered();
    });
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once("error", (error) => settle(error));
  upstream.once("close", () => settle());
  client.once("error", () => settle());

  return (reason: Error): void => settle(reason);
}
