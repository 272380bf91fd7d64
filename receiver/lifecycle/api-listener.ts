import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openListener, readTls } from "../commands/open-listener.js";
import type { Config } from "../config/load-config.js";
import type { createHttp } from "../http/create-http.js";
import { listenHanded, type HandedSocket } from "./listen-fds.js";

type Http = ReturnType<typeof createHttp>;

// The API's listener behind one indirection, so that a config reload
// (docs/design.md §7) can put a rebuilt HTTP app (new keys, admin, metrics…) in
// front of new requests, and move the listener when listen or tls changed: the new
// address listens first, then the old one stops accepting and closes once the calls
// it has (a deploy's stream, say) have ended.
export class ApiListener {
  #http: Http;
  #server: Server | undefined;
  readonly #retiring = new Set<Server>();

  constructor(http: Http) {
    this.#http = http;
  }

  get server(): Server | undefined {
    return this.#server;
  }

  /** From now on new requests go to `http`; the ones running finish on the old one. */
  serve(http: Http): void {
    this.#http = http;
  }

  /**
   * Binds a listener for `config` (listen, tls), or listens on `fd`, a socket handed
   * over by systemd or an upgrade (§7); throws a one-line reason.
   */
  async open(config: Config, fd?: HandedSocket): Promise<{ server: Server; port: number }> {
    const tls = readTls(config);
    const server = openListener((req, env) => this.#http.fetch(req, env), tls);
    const { host, port } = config.listen;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      const listening = () => {
        server.off("error", reject);
        resolve();
      };
      if (fd === undefined) server.listen({ port, host }, listening);
      else listenHanded(server, fd, undefined, listening);
    }).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        `cannot listen on ${host}:${port} (listen in ${config.file}): ${error.code ?? error.message}`,
      );
    });
    return { server, port: (server.address() as AddressInfo).port };
  }

  /** Makes `server` (from open) the API's listener; the one before closes when idle. */
  use(server: Server): void {
    const old = this.#server;
    this.#server = server;
    if (old) this.#retire(old);
  }

  /** No new API calls: running streams may finish (SIGTERM). */
  close(): void {
    this.#server?.close();
  }

  closeAllConnections(): void {
    for (const server of [this.#server, ...this.#retiring]) server?.closeAllConnections();
  }

  // An API call may be a deploy's stream of several seconds: the old listener waits
  // for it rather than cutting it, and closes each keep-alive connection between calls.
  #retire(server: Server): void {
    this.#retiring.add(server);
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      this.#retiring.delete(server);
    });
  }
}
