import type { LegacyLink } from "../legacy-link.js";
import { LegacyLayout } from "./legacy-layout.js";

export interface FailedPageProps {
  app: string;
  link: LegacyLink;
  status: number;
  code: string;
  message: string;
  /** A swap that failed: whether the old exe serves again. */
  rolledBack?: boolean;
  /** The failed servers' last lines of output. */
  output?: string[];
  deployId?: string;
}

// What an upload or update link answers when it did not do its work: a status
// other than 200, and never the phrase Bld_*.prg looks for, so the script stops
// and shows this page.
export function FailedPage(props: FailedPageProps) {
  const title = props.link === "upload" ? "Upload failed" : "Exe Update failed";
  return (
    <LegacyLayout title={title} app={props.app}>
      <h1 class="failed">{title}</h1>
      <p>{props.message}</p>
      <dl>
        <dt>Status</dt>
        <dd>
          {props.status} <code>{props.code}</code>
        </dd>
        {props.rolledBack !== undefined && (
          <>
            <dt>Running now</dt>
            <dd>
              {props.rolledBack ? "the exe from before, which serves again" : "see the message"}
            </dd>
          </>
        )}
        {props.deployId && (
          <>
            <dt>Deploy id</dt>
            <dd>
              <code>{props.deployId}</code>
            </dd>
          </>
        )}
      </dl>
      {props.output?.length ? <pre>{props.output.join("\n")}</pre> : null}
    </LegacyLayout>
  );
}
