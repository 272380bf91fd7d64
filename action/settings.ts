import * as core from "@actions/core";
import { appName } from "../api-client/app-name.js";
import type { Operation } from "../api-client/call.js";
import { receiverUrl } from "../api-client/receiver-url.js";
import { signingKey, type SigningKey } from "../api-client/signing-key.js";
import { findArtifact } from "./find-artifact.js";

export type { Operation };
const OPERATIONS: readonly string[] = ["deploy", "upload", "swap", "rollback", "promote", "abort"];
/** The operations that send no artifact. */
const FILELESS: readonly string[] = ["swap", "rollback", "promote", "abort"];

/** Everything the step was asked to do, read once from its `with:` inputs. */
export interface Settings {
  /** The receiver's base URL, without a trailing slash. */
  url: string;
  app: string;
  operation: Operation;
  /** Absolute path of the one file the `file` pattern matched; deploy and upload only. */
  file?: string;
  /** Key mode when set; GitHub OIDC when not. */
  key?: SigningKey;
  keyId: string;
  audience: string;
  rollbackTo?: string;
  /** Deploy or swap even when the artifact is the live file. */
  force: boolean;
  timeoutMs: number;
}

// Reads and checks every input before any work starts, so a typo fails in a second with
// the bad value quoted instead of after a long upload. Nothing else reads inputs.
export async function getSettings(): Promise<Settings> {
  const url = receiverUrl(core.getInput("url", { required: true }));
  const app = appName(core.getInput("app", { required: true }));
  const operation = core.getInput("operation") || "deploy";
  if (!OPERATIONS.includes(operation)) {
    throw new Error(`operation "${operation}" is not one of ${OPERATIONS.join(", ")}`);
  }
  const timeout = core.getInput("timeout") || "900";
  if (!/^[1-9][0-9]{0,5}$/.test(timeout)) {
    throw new Error(`timeout "${timeout}" is not a whole number of seconds from 1 to 999999`);
  }
  const rollbackTo = core.getInput("rollback-to") || undefined;
  if (rollbackTo && operation !== "rollback") {
    throw new Error(
      `rollback-to "${rollbackTo}" is only used with operation rollback, not "${operation}"`,
    );
  }
  const force = readForce(operation);
  return {
    url,
    app,
    operation: operation as Operation,
    file: await readFile(operation),
    key: readKey(),
    keyId: core.getInput("key-id") || "ci",
    audience: core.getInput("audience") || url,
    rollbackTo,
    force,
    timeoutMs: Number(timeout) * 1000,
  };
}

// `force: true` swaps an artifact that is live already (the receiver answers such a deploy
// "unchanged" without a hold otherwise): only deploy and swap swap anything.
function readForce(operation: string): boolean {
  const value = core.getInput("force") || "false";
  if (!/^(true|false)$/i.test(value)) throw new Error(`force "${value}" is not true or false`);
  const force = value.toLowerCase() === "true";
  if (force && operation !== "deploy" && operation !== "swap")
    throw new Error(`force is only used with operation deploy or swap, not "${operation}"`);
  return force;
}

function readFile(operation: string): Promise<string> | undefined {
  const pattern = core.getInput("file");
  if (FILELESS.includes(operation)) {
    if (pattern) core.warning(`file "${pattern}" is not used by operation ${operation}`);
    return undefined;
  }
  if (!pattern) {
    throw new Error(`file is required for operation ${operation}: a path or glob of the artifact`);
  }
  return findArtifact(pattern);
}

// The runner sets every declared input, so an unset secret reads as no key at all; the
// OIDC message below names that case, since it is the likeliest reason for it.
function readKey(): SigningKey | undefined {
  const text = core.getInput("key");
  if (text) {
    core.setSecret(text);
    // The runner masks line by line, so a PEM's lines are each registered too.
    const lines = text.split(/\r?\n/).map((line) => line.trim());
    if (lines.length > 1) for (const line of lines) if (line) core.setSecret(line);
    return signingKey(text);
  }
  if (!process.env["ACTIONS_ID_TOKEN_REQUEST_URL"]) {
    throw new Error(
      'key is empty and this job cannot get a GitHub OIDC token: add "permissions: id-token: write" to the job for keyless deploys, or check that the secret passed as key is set',
    );
  }
  return undefined;
}
