import { statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { isScalar } from "yaml";
import { ConfigError } from "./config-error.js";
import type { ConfigSource } from "./config-source.js";
import type { Config } from "./load-config.js";
import type { RawConfig } from "./schema.js";
import { formatDuration } from "./units.js";

// What the schema alone cannot say: somebody must be able to deploy, and an
// app can narrow keyless deploys only where they are configured at all.
export function checkAuth(config: Config): void {
  const { auth, file } = config;
  if (auth.keys.length === 0 && !auth.github) {
    throw new ConfigError(
      file,
      "auth",
      "configure at least one of auth.keys or auth.github, or nobody can deploy",
    );
  }
  for (const id of auth.adminKeys) {
    if (!auth.keys.some((k) => k.id === id))
      throw new ConfigError(file, "auth.adminKeys", `no key "${id}" in auth.keys`);
  }
  for (const app of config.apps.values()) {
    if (app.auth?.github && !auth.github) {
      throw new ConfigError(
        file,
        `apps.${app.name}.auth.github`,
        "needs the global auth.github (its issuer and repositories) to narrow",
      );
    }
    for (const id of app.auth?.keys ?? []) {
      if (!auth.keys.some((k) => k.id === id))
        throw new ConfigError(file, `apps.${app.name}.auth.keys`, `no key "${id}" in auth.keys`);
    }
  }
}

// Apps must not share the files or the port a swap works on, nor differ only
// in case (their data folders would collide on Windows and macOS).
export function checkApps(config: Config): void {
  const owners = new Map<string, string>();
  const claim = (what: string, key: string) => {
    const other = owners.get(what);
    if (other)
      throw new ConfigError(config.file, key, `is the same as ${other}; every app needs its own`);
    owners.set(what, key);
  };
  for (const app of config.apps.values()) {
    const at = `apps.${app.name}`;
    claim(`name:${app.name.toLowerCase()}`, at);
    if (app.exeFile === app.updateFile) {
      throw new ConfigError(
        config.file,
        `${at}.updateFile`,
        "must differ from exeFile: uploads are staged there while exeFile runs",
      );
    }
    claim(`file:${app.exeFile}`, `${at}.exeFile`);
    claim(`file:${app.updateFile}`, `${at}.updateFile`);
    if (app.gate.port !== 0) claim(`port:${app.gate.port}`, `${at}.gate`);
  }
}

// A canary splits traffic between the old servers and the new ones, so both must run
// at once: only strategy overlap has them side by side.
export function checkCanary(config: Config): void {
  for (const app of config.apps.values()) {
    if (app.canary && app.strategy !== "overlap")
      throw new ConfigError(
        config.file,
        `apps.${app.name}.canary`,
        "needs strategy: overlap (the old servers answer the rest of the traffic while the new ones are judged); use watch: with strategy hold",
      );
  }
}

// A swap holds requests through drain, start and health check; if the new build
// fails its check, the old one must be back before the first held request gives up.
export function checkTimeouts(config: Config): void {
  for (const app of config.apps.values()) {
    const drain = app.drainTimeoutMs;
    const health = app.health.timeout;
    if (drain + health < app.hold.timeout) continue;
    const sum = `${formatDuration(drain)} + ${formatDuration(health)} = ${formatDuration(drain + health)}`;
    throw new ConfigError(
      config.file,
      `apps.${app.name}.hold.timeout`,
      `must be longer than drainTimeout + health.timeout (${sum}): a bad build must roll back before held requests time out`,
    );
  }
}

// Socket mode (docs/design.md §3): the servers accept on the gate's socket themselves,
// inherited as a descriptor, which Node cannot pass to a child on Windows; no request
// passes the receiver, so nothing can judge a build by its answers; and a TCP connect
// to the socket succeeds while no server runs (the kernel queues it), so only a health
// path can say a new server is up.
export function checkSocketMode(
  config: Config,
  platform: NodeJS.Platform = process.platform,
): void {
  for (const app of config.apps.values()) {
    if (app.gate.mode !== "socket") continue;
    const at = `apps.${app.name}`;
    const refuse = (key: string, why: string) => {
      throw new ConfigError(config.file, `${at}.${key}`, why);
    };
    if (platform === "win32")
      refuse(
        "gate.mode",
        "socket is not available on Windows (Node passes no sockets to the servers there); use proxy",
      );
    if (app.watch)
      refuse(
        "watch",
        "needs gate mode proxy: in socket mode no request passes the receiver to be counted",
      );
    if (app.canary)
      refuse("canary", "needs gate mode proxy: in socket mode the receiver cannot split traffic");
    if (app.health.path === undefined)
      refuse(
        "health.path",
        "is needed in socket mode: a TCP connect succeeds on the gate's socket while no server runs",
      );
    if (app.stopPath !== undefined)
      refuse(
        "stopPath",
        "cannot be used in socket mode: every server accepts on the gate's port, so a request cannot reach the one being stopped",
      );
  }
}

// Servers managed elsewhere (docs/design.md §8): one service, which the receiver neither
// runs nor duplicates, behind the proxy.
export function checkManaged(config: Config): void {
  for (const app of config.apps.values()) {
    if (!app.managed) continue;
    const at = `apps.${app.name}`;
    const refuse = (key: string, why: string) => {
      throw new ConfigError(config.file, `${at}.${key}`, why);
    };
    if (app.strategy !== "hold")
      refuse("strategy", "must be hold with commands: one service cannot run beside itself");
    if (app.canary) refuse("canary", "needs strategy overlap, which commands: cannot have");
    if (app.gate.mode !== "proxy")
      refuse(
        "gate.mode",
        "must be proxy with commands: the service listens on its own port (upstream)",
      );
    if (app.instances !== 1)
      refuse(
        "instances",
        "is for the receiver's own servers: with commands: the service manager runs the service",
      );
    if (app.stopPath !== undefined)
      refuse(
        "stopPath",
        "is for the receiver's own servers: with commands: stop runs the stop command",
      );
    if (app.args.length > 0)
      refuse(
        "args",
        "is for the receiver's own servers: with commands: give the service's arguments to its manager",
      );
  }
}

// An env value written as a number reaches the server as text, but as YAML read the
// number: `VERSION: 1.10` would be "1.1", `ID: 007` "7". Refused where the two differ.
export function checkNumbersAsText(source: ConfigSource, raw: RawConfig): void {
  for (const [name, app] of Object.entries(raw.apps)) {
    for (const variable of Object.keys(app.env)) {
      const key = `apps.${name}.env.${variable}`;
      const found = source.find(key);
      if (!found?.exact || !isScalar(found.node) || typeof found.node.value !== "number") continue;
      const written = source.source(found.node);
      const read = String(found.node.value);
      if (written === read) continue;
      throw new ConfigError(
        source.file,
        key,
        `YAML reads ${written} as the number ${read}, so the server would get "${read}": quote it to keep it as written, like ${variable}: "${written}"`,
        found.place,
      );
    }
  }
}

// The paths a swap writes must be of the right kind: a file where a file is named (a
// folder there fails the first start with EISDIR), a folder where a folder is.
// Missing ones are fine (the receiver makes the folders), unless a file is in the way.
export function checkPaths(config: Config): void {
  const file = config.file;
  checkKind(
    file,
    "data",
    config.data,
    "folder",
    "data: is the folder the receiver keeps its state in",
  );
  for (const app of config.apps.values()) {
    const at = `apps.${app.name}`;
    if (app.folder) {
      checkKind(
        file,
        `${at}.dir`,
        app.folder.dir,
        "folder",
        "dir: is the folder that holds releases/ and the current link; for a single-file build use exeFile: and updateFile: instead",
      );
      continue;
    }
    for (const key of ["exeFile", "updateFile"] as const) {
      const own = app.sources[key] === basename(file);
      const what =
        key === "exeFile"
          ? "the server's program file, like ./deploy/server"
          : "the file an upload is staged in, like ./deploy/server_update";
      checkKind(
        file,
        own ? `${at}.${key}` : `${at}.from`,
        app[key],
        "file",
        `${own ? key : `${key === "exeFile" ? "ExeFile" : "UpdateFile"} in ${app.sources[key]}`} names ${what}; for a build that is a whole folder, use dir: and exe: instead (Folder apps in the README)`,
      );
    }
  }
}

function checkKind(
  file: string,
  key: string,
  path: string,
  kind: "file" | "folder",
  what: string,
): void {
  const st = statOf(path);
  if (st) {
    if (st.isDirectory() === (kind === "folder")) return;
    throw new ConfigError(
      file,
      key,
      `${path} is a ${kind === "file" ? "folder" : "file"}, not a ${kind}: ${what}`,
    );
  }
  // Missing: its folders are made at start, which a file on the way would stop.
  for (let up = dirname(path); up !== dirname(up); up = dirname(up)) {
    const above = statOf(up);
    if (!above) continue;
    if (above.isDirectory()) return;
    throw new ConfigError(
      file,
      key,
      `${path} cannot be made: ${up} is a file, not a folder; fix the path or move that file`,
    );
  }
}

// What is at a path, or nothing: a path through a file (ENOTDIR) is not there either,
// and one the receiver may not look into is left to the start to report.
function statOf(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
