import { open, stat } from "node:fs/promises";
import { delimiter, isAbsolute, resolve } from "node:path";
import { neutralise } from "../pool/output-ring.js";

// "spawn bin/migrate ENOENT" is all Node says, and it says the same for a missing
// file, a missing release folder and a missing #! interpreter. A deploy that stops on
// a hook must say which one, where it looked, and what to change, in one line of the
// workflow log. `argv0` as configured; `cwd` the release; `env` the hook's own.
export async function describeSpawnFailure(
  error: NodeJS.ErrnoException,
  argv0: string,
  cwd: string,
  env: Record<string, string>,
): Promise<string> {
  const bare = !/[\\/]/.test(argv0);
  const file = bare || isAbsolute(argv0) ? argv0 : resolve(cwd, argv0);
  if (!(await isFolder(cwd))) {
    return `could not be started: its folder ${cwd} does not exist (the release folder; was it unpacked?)`;
  }
  if (error.code === "EACCES") {
    return `could not be started: ${file} is not executable (EACCES; cwd ${cwd}): make it executable in the artifact (chmod +x, or git update-index --chmod=+x on Windows)`;
  }
  if (error.code !== "ENOENT") {
    return `could not be started (cwd ${cwd}): ${error.message}`;
  }
  if (bare) {
    const path = env.PATH ?? env.Path;
    const where = path
      ? `on PATH (${path.split(delimiter).join(", ")})`
      : "(the hook's env has no PATH)";
    return `could not be started: not found ${where}; cwd ${cwd}. Give a path in the release (bin/${argv0}) or an absolute one`;
  }
  const interpreter = await shebang(file);
  if (interpreter === "") {
    return `could not be started: ${file} exists, but the loader it needs was not found (cwd ${cwd}): build it for this system (a glibc binary on musl, or another architecture?)`;
  }
  if (interpreter !== undefined) {
    return `could not be started: ${file} exists, but its #! interpreter ${interpreter} was not found (cwd ${cwd}): install it or change the file's first line`;
  }
  const from = isAbsolute(argv0) ? "" : ` (a path with a slash is taken from the release, ${cwd})`;
  return `could not be started: ${file} does not exist${from}: check the path and that the artifact contains it`;
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

// The file is there and ENOENT came anyway: the kernel did not find its interpreter
// (the #! line, made safe to print: it comes from the artifact) or, for a binary, its
// loader (""). Undefined when the file is missing.
async function shebang(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, "r");
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    const first = buffer.subarray(0, bytesRead).toString("utf8").split("\n")[0]!;
    return first.startsWith("#!") ? neutralise(first.slice(2, 200).trim()) || "(empty)" : "";
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
