import * as core from "@actions/core";
import type { ResultEvent } from "../receiver/protocol.js";
import { call } from "../api-client/call.js";
import { bytes } from "../api-client/format.js";
import { hashFile, type Artifact } from "../api-client/hash-file.js";
import { failureMessage, resultLines, succeeded, timeoutMessage } from "../api-client/outcome.js";
import { actionClient } from "./action-client.js";
import { deploymentInputs, startDeployment, type GithubDeployment } from "./github-deployment.js";
import { outputs } from "./outputs.js";
import { getSettings, type Settings } from "./settings.js";
import { untrusted } from "./untrusted.js";
import { writeSummary } from "./write-summary.js";

interface Deadline {
  signal: AbortSignal;
  seconds: number;
}

// The one place that turns a failure into a failed step: everything below throws, and a
// result that is not ok fails the step with the receiver's own explanation.
export async function run(): Promise<void> {
  let deadline: Deadline | undefined;
  let github: GithubDeployment | undefined;
  try {
    const settings = await getSettings();
    const deployment = deploymentInputs(settings.operation);
    const { file, timeoutMs } = settings;
    const signal = AbortSignal.timeout(timeoutMs);
    deadline = { signal, seconds: timeoutMs / 1000 };
    const artifact = file ? await core.group("Artifact", () => inspect(file, signal)) : undefined;
    if (deployment)
      github = await startDeployment(
        deployment,
        settings.operation,
        settings.app,
        artifact?.sha256,
      );
    const request = { ...settings, githubDeployment: github?.id };
    const result = await call(request, actionClient(settings), artifact, signal);
    await core.group("Result", () => report(settings, result));
    await github?.finish(settings.operation, result);
    if (!succeeded(settings.operation, result))
      core.setFailed(failureMessage(settings.operation, settings.app, result, logsAt(settings)));
  } catch (error) {
    const message = errorMessage(error, deadline);
    await github?.fail(message);
    core.setFailed(message);
  }
}

async function inspect(file: string, signal: AbortSignal): Promise<Artifact> {
  const artifact = await hashFile(file, signal);
  core.info(`${file}\n${bytes(artifact.size)}, sha256 ${artifact.sha256}`);
  return artifact;
}

async function report(settings: Settings, result: ResultEvent): Promise<void> {
  for (const [name, value] of Object.entries(outputs(result))) core.setOutput(name, value);
  untrusted(resultLines(settings.operation, settings.app, result, "input force").join("\n"));
  await writeSummary(settings, result);
}

// Where the app's whole output is, for a failure that shows only its last lines.
function logsAt({ url, app }: Settings): string {
  return `GET ${url}/v1/apps/${encodeURIComponent(app)}/logs, or the receiver's admin page`;
}

// A step cut off by its timeout says so first, then what it was waiting for.
function errorMessage(error: unknown, deadline?: Deadline): string {
  if (deadline?.signal.aborted) return timeoutMessage(error, deadline.seconds, 'input "timeout"');
  return error instanceof Error ? error.message : String(error);
}
