import { credential } from "../api-client/credential.js";
import { hashFile } from "../api-client/hash-file.js";
import type { CommandRun } from "./command-run.js";

// `hotswap token --op OP`: the token the CLI would send, and nothing else on stdout, so
// `curl -H "Authorization: Bearer $(hotswap token --op status)"` works. It is good for
// one call within 5 minutes; a deploy or upload token only for the artifact named.
export async function token({ settings, signer, stdout, signal }: CommandRun): Promise<void> {
  const { op, file } = settings;
  if (!op) throw new Error("token: no --op");
  const binds = op === "deploy" || op === "upload";
  const sha256 = binds ? (settings.sha256 ?? (await hashFile(file!, signal)).sha256) : undefined;
  stdout.write(`${await credential({ ...settings, op, sha256 }, signer)}\n`);
}
