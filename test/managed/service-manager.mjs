// A stand-in service manager (systemd, sc.exe, appcmd) for servers managed elsewhere:
// `node service-manager.mjs start|stop` runs the exe at SVC_EXE as a service outside
// the caller's process group (as a real manager does), with PORT=SVC_PORT, its pid in
// SVC_STATE/pid and its output in SVC_STATE/service.log. start returns once the process
// runs (like `systemctl start` of a simple unit); stop sends SIGTERM and waits for the
// exit (like `systemctl stop`). While SVC_STATE/fail-stop exists, stop fails, as a stuck
// service's does; SVC_STATE/fail-start makes the next start fail once (a service that
// does not come up), and is removed by it.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive } from "../helpers/alive.mjs";

const [, , verb] = process.argv;
const { SVC_EXE, SVC_PORT, SVC_STATE } = process.env;
const pidFile = join(SVC_STATE, "pid");
const current = () => {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8"));
  return alive(pid) ? pid : undefined;
};

if (verb === "start") {
  if (existsSync(join(SVC_STATE, "fail-start"))) {
    rmSync(join(SVC_STATE, "fail-start"));
    console.error("service start failed: dependency missing");
    process.exit(3);
  }
  if (current()) {
    console.log(`service already running (pid ${current()})`);
    process.exit(0);
  }
  const log = openSync(join(SVC_STATE, "service.log"), "a");
  const child = spawn(SVC_EXE, [], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, PORT: SVC_PORT },
  });
  closeSync(log);
  writeFileSync(pidFile, String(child.pid));
  child.unref();
  console.log(`service started (pid ${child.pid})`);
} else if (verb === "stop") {
  if (existsSync(join(SVC_STATE, "fail-stop"))) {
    console.error("service stop failed: access denied");
    process.exit(5);
  }
  const pid = current();
  if (pid) {
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (alive(pid)) process.kill(pid, "SIGKILL");
    console.log(`service stopped (pid ${pid})`);
  } else console.log("service was not running");
  rmSync(pidFile, { force: true });
} else {
  console.error(`usage: service-manager.mjs start|stop (got ${verb})`);
  process.exit(2);
}
