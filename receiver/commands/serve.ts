import { loadConfig } from "../config/load-config.js";
import { faultsActive } from "../faults.js";
import { createHttp } from "../http/create-http.js";
import { createLog } from "../log.js";
import { Receiver } from "../receiver.js";
import { VERSION } from "../version.js";
import { openListener, readTls } from "./open-listener.js";

// `hotswap-receiver --config FILE`: load and check everything first (a bad
// config starts nothing), then open the API, then the apps' gates and servers.
export async function serve(configFile: string): Promise<void> {
  const log = createLog();
  const config = loadConfig(configFile);
  if (faultsActive)
    log(
      "warn",
      `HOTSWAP_FAULT=${process.env.HOTSWAP_FAULT} is set: this receiver breaks on purpose (tests only)`,
    );
  const tls = readTls(config);
  const receiver = new Receiver(config);
  const http = createHttp(receiver, log);
  const server = openListener(http.fetch, tls);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `cannot listen on ${config.listen.host}:${config.listen.port} (listen in ${config.file}): ${error.code ?? error.message}`,
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.listen.port;
  log(
    "info",
    `hotswap-receiver ${VERSION} API on ${config.tls ? "https" : "http"}://${config.listen.host}:${port} (apps: ${[...config.apps.keys()].join(", ") || "none"})`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", `${signal}: letting a running swap finish, then stopping servers and gates`);
    server.close(); // no new API calls; a running stream may finish
    receiver.stop().finally(() => {
      server.closeAllConnections();
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await receiver.start().catch((error: Error) => {
    throw new Error(`${error.message} in ${config.file}`);
  });
  for (const rt of receiver.apps.values()) {
    const why = rt.unavailable();
    if (why) rt.log("warn", `requests get 503 at once: ${rt.config.name} ${why}`);
  }
  log("info", "ready");
}
