import type { AppConfig } from "../config/load-config.js";
import type { AppGate } from "../gate/app-gate.js";
import type { ServerPool } from "../pool/server-pool.js";
import type { ErrorInfo, Judgement, ReleaseInfo, VersionInfo } from "../protocol.js";
import type { WatchControl } from "../watch/watch-control.js";
import type { Releases } from "./releases.js";
import type { ReplaceOptions } from "./exe-file.js";
import type { Emit } from "./steps.js";
import type { SwapRecord, SwapRecordFile } from "./swap-record.js";

/** What a swap works on: one app's config, servers, gate, kept releases and swap record. */
export interface SwapParts {
  app: AppConfig;
  /** The servers serving when the swap begins. */
  pool: ServerPool;
  /** Where strategy overlap gets its second pool and how it points the gate at it. */
  pools: ServerPools;
  gate: AppGate;
  releases: Releases;
  record: SwapRecordFile;
  /** Where strategy overlap runs new servers from while exeFile is locked (Windows). */
  runDir: string;
  replace?: ReplaceOptions;
  /** A deploy's judging by traffic (app watch/canary): its baseline, promote and abort. */
  watch?: WatchControl;
}

export interface ServerPools {
  /** A new, stopped pool to start beside the serving one. */
  next(): ServerPool;
  /** From now on the gate sends requests to `pool`. */
  serve(pool: ServerPool): void;
}

export interface Incoming {
  /** The file that moves into exeFile's place (consumed by the swap). */
  path: string;
  info: VersionInfo;
}

export interface SwapRun {
  deployId: string;
  op: SwapRecord["op"];
  previous: VersionInfo | null;
}

/** How a swap ended: the new version serves, or it does not and the error says why. */
export type SwapOutcome = SwapDone | SwapFailed;

export interface SwapDone {
  ok: true;
  holdMs: number;
  kept?: ReleaseInfo;
  /** The canary and watch it went through. */
  judged?: Judgement[];
}

export interface SwapFailed {
  ok: false;
  holdMs: number;
  kept?: ReleaseInfo;
  error: ErrorInfo;
  rolledBack?: boolean;
  /** The new servers' last output lines, when they failed to start. */
  output?: string[];
  /** The canary and watch it went through; the last one failed it. */
  judged?: Judgement[];
}

/** An outcome before the hold's length is known. */
export type Unheld<T extends SwapOutcome = SwapOutcome> = T extends unknown
  ? Omit<T, "holdMs">
  : never;

/** What the steps around the servers need: how to report and note progress, and what. */
export interface ServersContext extends Pick<SwapParts, "app" | "pool" | "gate"> {
  emit: Emit;
  /** Writes the step under way into the swap record (swap-recorder.ts). */
  note: (phase: SwapRecord["phase"]) => void;
}

/** One swap under way: its parts, what it keeps, how it reports and notes progress. */
export interface SwapContext extends SwapParts, ServersContext {
  incoming: Incoming;
  kept: ReleaseInfo | undefined;
}

export const failed = (
  kept: ReleaseInfo | undefined,
  code: string,
  message: string,
  extra: Pick<SwapFailed, "rolledBack" | "output" | "judged"> = {},
): Unheld<SwapFailed> => ({ ok: false, kept, error: { code, message }, ...extra });

/** What a failed start of new servers says: the reason, and their last output lines. */
export function healthCheckFailed(
  error: Error,
  pool: ServerPool,
): { message: string; output: string[] } {
  // Ports taken on every retry: the host is to blame, and the message must not say the build is.
  const portTaken = (error as { portTaken?: boolean }).portTaken === true;
  return {
    message: portTaken
      ? `the new version's servers could not start: ${error.message}`
      : `the new version failed its health check: ${error.message}`,
    output: (error as { output?: string[] }).output ?? pool.output(),
  };
}

/** Runs a step that may fail and returns its error instead of throwing it. */
export async function attempt(fn: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
