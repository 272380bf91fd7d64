import { call, type Operation } from "../api-client/call.js";
import { bytes } from "../api-client/format.js";
import { hashFile } from "../api-client/hash-file.js";
import { failureMessage, resultLines, succeeded } from "../api-client/outcome.js";
import { cliClient } from "./cli-client.js";
import { Failure } from "./failure.js";
import type { CommandRun } from "./command-run.js";

/** Where the app's whole output is, for a failure that shows only its last lines. */
const LOGS = "hotswap logs with the same receiver and app, or the receiver's admin page";

// deploy, upload, swap, rollback, promote, abort: the action's run, printed on the
// terminal. With --json the receiver's lines go to stdout as they came, and nothing else.
export async function operate(run: CommandRun): Promise<void> {
  const { settings, out, signer, stdout, signal } = run;
  const operation = settings.command as Operation;
  const { file } = settings;
  const artifact = file
    ? await out.group("Artifact", async () => {
        const artifact = await hashFile(file, signal);
        out.info(`${file}\n${bytes(artifact.size)}, sha256 ${artifact.sha256}`);
        return artifact;
      })
    : undefined;
  const tap = settings.json ? (line: string) => void stdout.write(`${line}\n`) : undefined;
  const client = cliClient(settings, out, signer, tap);
  const result = await call({ ...settings, operation }, client, artifact, signal);
  await out.group("Result", async () =>
    out.untrusted(resultLines(operation, settings.app, result, "--force").join("\n")),
  );
  if (!succeeded(operation, result))
    throw new Failure(failureMessage(operation, settings.app, result, LOGS));
}
