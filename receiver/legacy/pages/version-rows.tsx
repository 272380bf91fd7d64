import type { VersionInfo } from "../../protocol.js";
import { bytes, when } from "../../http/pages/format.js";

// What the seed echoed of an exe (its write date and version), with what
// proves which bytes they are; the Windows version resource when the exe has one.
export function VersionRows({ info }: { info: VersionInfo }) {
  return (
    <>
      <dt>Write date</dt>
      <dd>
        <time datetime={info.mtime}>{when(info.mtime)}</time>
      </dd>
      <dt>Version</dt>
      <dd>{info.version ?? "(the file reports none)"}</dd>
      {info.fileVersion && (
        <>
          <dt>File version</dt>
          <dd>{info.fileVersion}</dd>
        </>
      )}
      {info.productVersion && (
        <>
          <dt>Product version</dt>
          <dd>
            {info.productName ? `${info.productName} ` : ""}
            {info.productVersion}
          </dd>
        </>
      )}
      <dt>Size</dt>
      <dd>
        {bytes(info.size)} ({info.size} bytes)
      </dd>
      <dt>SHA-256</dt>
      <dd>
        <code>{info.sha256}</code>
      </dd>
    </>
  );
}
