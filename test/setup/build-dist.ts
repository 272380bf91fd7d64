// Tests run the bundles in dist/ the way users run them, so build them first
// from the current sources (esbuild takes about a second).
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
