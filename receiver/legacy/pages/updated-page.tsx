import type { OkResult } from "../../protocol.js";
import { LegacyLayout } from "./legacy-layout.js";
import { VersionRows } from "./version-rows.js";

export interface UpdatedPageProps {
  app: string;
  exeFile: string;
  result: OkResult;
}

// The seed's answer to an update link: "Exe Updated" (what Bld_*.prg looks for)
// and the new exe's write date and version.
export function UpdatedPage({ app, exeFile, result }: UpdatedPageProps) {
  return (
    <LegacyLayout title="Exe Updated" app={app}>
      <h1 class="ok">Exe Updated</h1>
      <p>
        <code>{exeFile}</code> is the uploaded file now, and its servers answer.
      </p>
      <dl>
        <VersionRows info={result.version} />
        <dt>Before</dt>
        <dd>
          {result.previous
            ? `${result.previous.version ?? "no version"}, sha256 ${result.previous.sha256.slice(0, 12)}`
            : "nothing"}
        </dd>
        <dt>Requests held</dt>
        <dd>{result.holdMs} ms</dd>
        <dt>Took</dt>
        <dd>{result.durationMs} ms</dd>
        <dt>Deploy id</dt>
        <dd>
          <code>{result.deployId}</code>
        </dd>
      </dl>
    </LegacyLayout>
  );
}
