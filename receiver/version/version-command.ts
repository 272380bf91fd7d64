import { spawn } from "node:child_process";

const VERSION_TIMEOUT_MS = 10_000;

// Runs versionCommand with a hard deadline: the child gets SIGKILL (its whole
// process group on POSIX, so a grandchild holding the pipes open dies too) and
// the answer is "no version", never a wait that holds the app's lock.
export function runVersionCommand(command: string[], exe: string): Promise<string | undefined> {
  const [program, ...args] = command.map((part) => part.replaceAll("{exe}", exe));
  return new Promise((done) => {
    let out = "";
    let settled = false;
    const finish = (value: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(value);
    };
    const child = spawn(program!, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32",
    });
    const kill = () => {
      try {
        if (child.pid && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => (kill(), finish(undefined)), VERSION_TIMEOUT_MS);
    const collect = (chunk: Buffer) => {
      if (out.length < 64 * 1024) out += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", () => finish(undefined));
    child.on("exit", (code) => {
      kill(); // anything it left behind
      const line = out.split(/\r?\n/).find((l) => l.trim());
      finish(code === 0 ? line?.trim().slice(0, 200) : undefined);
    });
  });
}
