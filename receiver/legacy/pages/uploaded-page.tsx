import type { OkResult } from "../../protocol.js";
import { LegacyLayout } from "./legacy-layout.js";
import { VersionRows } from "./version-rows.js";

export interface UploadedPageProps {
  app: string;
  updateFile: string;
  filename: string | undefined;
  result: OkResult;
}

// The seed's answer to an upload link; Bld_*.prg checks it for the phrase
// "File has been uploaded" before it calls the update link.
export function UploadedPage({ app, updateFile, filename, result }: UploadedPageProps) {
  return (
    <LegacyLayout title="File has been uploaded" app={app}>
      <h1 class="ok">File has been uploaded</h1>
      <p>
        {filename ? <code>{filename}</code> : "The File field"} is staged at UpdateFile{" "}
        <code>{updateFile}</code>. The running exe has not changed yet.
      </p>
      <dl>
        <VersionRows info={result.version} />
        <dt>Deploy id</dt>
        <dd>
          <code>{result.deployId}</code>
        </dd>
      </dl>
      <p>
        <a href="UpdateExe.wc">UpdateExe.wc</a> swaps it in: hold, unload, swap, reload, release.
      </p>
    </LegacyLayout>
  );
}
