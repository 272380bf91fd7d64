import type { Child } from "hono/jsx";
import type { VersionInfo } from "../../protocol.js";
import { bytes, shortSha, when } from "../../http/pages/format.js";

export interface VersionCardProps {
  kind: "live-version" | "staged";
  label: string;
  version: VersionInfo | null;
  /** What to say when there is no file. */
  empty: string;
  /** Actions under the facts. */
  children?: Child;
}

// A file the seed would echo after a swap: its version text, digest, size and
// write date.
export function VersionCard({ kind, label, version, empty, children }: VersionCardProps) {
  return (
    <div class={`card ${version ? kind : "empty"}`} data-card={kind}>
      <span class="label">{label}</span>
      {version ? (
        <>
          <span class="big" data-version>
            {version.version ?? "(no version text)"}
          </span>
          <dl class="facts">
            <dt>SHA-256</dt>
            <dd>
              <code title={version.sha256}>{shortSha(version.sha256)}</code>
            </dd>
            <dt>Size</dt>
            <dd>{bytes(version.size)}</dd>
            <dt>Written</dt>
            <dd>{when(version.mtime)}</dd>
          </dl>
        </>
      ) : (
        <p class="none">{empty}</p>
      )}
      {children}
    </div>
  );
}
