import type { ResultEvent } from "../receiver/protocol.js";

// What later steps of the job read from this one (docs/design.md §6). Set on failure
// too, as far as known, so a follow-up step can still report which deploy failed.
export function outputs(result: ResultEvent): Record<string, string> {
  const version = result.version;
  return {
    "deploy-id": result.deployId ?? "",
    version: version?.version ?? version?.sha256 ?? "",
    sha256: version?.sha256 ?? "",
    "previous-sha256": result.previous?.sha256 ?? "",
    "hold-ms": String(result.holdMs ?? ""),
    "duration-ms": String(result.durationMs ?? ""),
    /** "true" when the artifact was live already and nothing was swapped. */
    unchanged: String(result.ok && result.unchanged === true),
  };
}
