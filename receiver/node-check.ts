// The first module of dist/receiver/cli.mjs to run: on a Node older than the one the
// receiver needs it prints which Node it found and which it needs, and exits, before
// any dependency's code runs (undici 7 fails on Node 18 with "File is not defined").
// It is imported first by cli.ts and imports nothing, so the bundle runs it first; the
// bundle's syntax stays loadable by Node 18 (scripts/build.mjs: target node18).

/** The oldest Node the receiver runs on: package.json's engines.node (undici 7's minimum). */
export const NODE_NEEDED = "20.18.1";

/** Whether version ("18.20.4", as process.versions.node) is older than `needed`. */
export function olderThan(version: string, needed = NODE_NEEDED): boolean {
  const have = version.split(".").map(Number);
  const want = needed.split(".").map(Number);
  for (let i = 0; i < want.length; i++) {
    const a = have[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

/** The line printed on an old Node, naming both versions and the fix. */
export function tooOldMessage(version: string): string {
  return (
    `hotswap-receiver: this is Node ${version}; the receiver needs Node ${NODE_NEEDED} or newer. ` +
    `Debian 12's "apt install nodejs" gives Node 18: install Node 22 from ` +
    `NodeSource or the nodejs.org tarball (README: "Install the receiver")\n`
  );
}

if (olderThan(process.versions.node)) {
  process.stderr.write(tooOldMessage(process.versions.node));
  process.exit(1);
}
