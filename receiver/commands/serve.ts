import { loadConfig } from "../config/load-config.js";
import { faultsActive } from "../faults.js";
import { createHttp } from "../http/create-http.js";
import { ApiListener } from "../lifecycle/api-listener.js";
import { closeUnused, gateFdName, takeListenFds } from "../lifecycle/listen-fds.js";
import { Reloader } from "../lifecycle/reload.js";
import { awaitHandOver, confirmOwner, receiveSockets, Upgrader } from "../lifecycle/upgrade.js";
import { createLog } from "../log.js";
import { Receiver } from "../receiver.js";
import { VERSION } from "../version.js";
import { readTls } from "./open-listener.js";

// `hotswap-receiver --config FILE`: load and check everything first (a bad
// config starts nothing), then open the API, then the apps' gates and servers.
// Signals (docs/design.md §7): SIGTERM stops, SIGHUP reloads the config, SIGUSR2
// upgrades to the receiver file on disk.
export async function serve(configFile: string, initCommand?: string): Promise<void> {
  const log = createLog();
  // §7: sockets handed over by systemd or by the receiver upgrading to this one.
  const fds = takeListenFds() ?? (await receiveSockets());
  const upgradeFrom =
    fds?.from === "upgrade" ? Number(process.env.HOTSWAP_UPGRADE_FROM) : undefined;
  delete process.env.HOTSWAP_UPGRADE_FROM;
  const upgrader = new Upgrader(log);
  process.on("SIGUSR2", () => upgrader.signal());
  const config = loadConfig(configFile, process.env, initCommand);
  if (faultsActive)
    log(
      "warn",
      `HOTSWAP_FAULT=${process.env.HOTSWAP_FAULT} is set: this receiver breaks on purpose (tests only)`,
    );
  readTls(config); // a bad certificate path is a config error, found before anything starts
  const receiver = new Receiver(config, { takeOverFrom: upgradeFrom });
  // Behind one indirection, so a reload can rebuild the HTTP app and move the listener.
  const kept = {}; // what each rebuild of the HTTP app keeps (create-http.ts)
  const api = new ApiListener(createHttp(receiver, log, kept));
  const apiFd = fds?.byName.get("api");
  if (fds) {
    const used = new Set(apiFd === undefined ? [] : ["api"]);
    for (const rt of receiver.apps.values()) {
      const fd = fds.byName.get(gateFdName(rt.config.name));
      if (fd === undefined) continue;
      rt.gate.inherit(fd);
      used.add(gateFdName(rt.config.name));
    }
    closeUnused(fds, used, log);
  }
  if (upgradeFrom !== undefined) {
    // The gates accept and hold requests until this receiver's servers are up; the old
    // one keeps serving until it hears "ready", then hands over (upgrade.ts).
    for (const rt of receiver.apps.values()) {
      rt.gate.hold("upgrade");
      await rt.gate.listen();
    }
    await awaitHandOver();
    receiver.takeDataDir(upgradeFrom);
  }
  const { server, port } = await api.open(config, apiFd);
  api.use(server);
  log(
    "info",
    `hotswap-receiver ${VERSION} API on ${config.tls ? "https" : "http"}://${config.listen.host}:${port} (apps: ${[...config.apps.keys()].join(", ") || "none"})${fds ? ` (listening sockets from ${fds.from}: ${[...fds.byName.keys()].join(", ")})` : ""}`,
  );
  if (upgradeFrom !== undefined) confirmOwner();
  const started = receiver.start();
  // SIGHUP, handled from here on: one before "ready" waits for it.
  const reloader = new Reloader(
    { file: config.file, receiver, api, log, http: () => createHttp(receiver, log, kept) },
    started,
  );
  process.on("SIGHUP", () => void reloader.request());
  receiver.reload = () => reloader.request(); // the admin page's button: Windows has no SIGHUP
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", `${signal}: letting a running swap finish, then stopping servers and gates`);
    upgrader.cancel(); // an upgrade not yet handed over ends here (§7)
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
  try {
    await started.catch((error: Error) => {
      throw new Error(`${error.message} in ${config.file}`);
    });
  } finally {
    for (const rt of receiver.apps.values()) rt.gate.release("upgrade");
  }
  for (const rt of receiver.apps.values()) {
    const why = rt.unavailable();
    if (why) rt.log("warn", `requests get 503 at once: ${rt.config.name} ${why}`);
  }
  upgrader.serving({
    receiver,
    api: () => api.server!,
    quiesce: () => reloader.close("an upgrade of the receiver is running"),
    resume: () => reloader.reopen(),
    handingOver: () => (stopping = true),
  });
  receiver.upgrade = (by) => upgrader.request(by); // the API's and the admin page's: no SIGUSR2 on Windows
  log("info", "ready");
}
