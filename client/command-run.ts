import type { Writable } from "node:stream";
import type { Signer } from "../api-client/credential.js";
import type { Settings } from "./settings.js";
import type { Terminal } from "./terminal.js";

/** What every command runs with: its settings, the screen, tokens, stdout, and its deadline. */
export interface CommandRun {
  settings: Settings;
  out: Terminal;
  signer: Signer;
  /** The user's stdout: --json lines, a token, log lines. */
  stdout: Writable;
  signal: AbortSignal;
}
