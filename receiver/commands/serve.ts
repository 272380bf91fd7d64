import { loadConfig } from "../config/load-config.js";
import { faultsActive } from "../faults.js";
import { createHttp } from "../http/create-http.js";
import { ApiListener } from "../lifecycle/api-listener.js";
import { Reloader } from "../lifecycle/reload.js";
import { createLog } from "../log.js";
import { Receiver } from "../receiver.js";
import { VERSION } from "../version.js";
import { readTls } from "./open-listener.js";

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
  readTls(config); // a bad certificate path is a config error, found before anything starts
  const receiver = new Receiver(config);
  // Behind one indirection, so a reload can rebuild the HTTP app and move the listener.
  const kept = {}; // what each rebuild of the HTTP app keeps (create-http.ts)
  const api = new ApiListener(createHttp(receiver, log, kept));
  const { server, port } = await api.open(config);
  api.use(server);
  log(
    "info",
    `hotswap-receiver ${VERSION} API on ${config.tls ? "https" : "http"}://${config.listen.host}:${port} (apps: ${[...config.apps.keys()].join(", ") || "none"})`,
  );
  const started = receiver.start();
  // SIGHUP (docs/design.md §7), handled from here on: one before "ready" waits for it.
  const reloader = new Reloader(
    { file: config.file, receiver, api, log, http: () => createHttp(receiver, log, kept) },
    started,
  );
  process.on("SIGHUP", () => void reloader.request());
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", `${signal}: letting a running swap finish, then stopping servers and gates`);
    api.close(); // no new API calls; a running stream may finish
    reloader
      .close()
      .then(() => receiver.stop())
      .finally(() => {
        api.closeAllConnections();
        process.exit(0);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await started.catch((error: Error) => {
    throw new Error(`${error.message} in ${config.file}`);
  });
  for (const rt of receiver.apps.values()) {
    const why = rt.unavailable();
    if (why) rt.log("warn", `requests get 503 at once: ${rt.config.name} ${why}`);
  }
  log("info", "ready");
}
