import type { Child } from "hono/jsx";
import { HtmlDocument } from "../../http/pages/html-document.js";
import { VERSION } from "../../version.js";
import { ADMIN_BASE } from "../admin-env.js";
import { CLIENT_SCRIPT } from "./client-script.js";
import { STYLES } from "./styles.js";

export interface LayoutProps {
  title: string;
  /** The CSP nonce of this response; the inline style and script carry it. */
  nonce: string | undefined;
  /** Signed in: the header offers to sign out, and forms can carry the token. */
  csrf?: string;
  /** Run the page's script: true for the dashboard's, or a page's own. */
  script?: boolean | string;
  children?: Child;
}

// The frame of every admin page: the bar with the receiver's name and version,
// a sign-out form when signed in, the inline style and script under the nonce.
export function Layout(props: LayoutProps) {
  const { title, nonce, csrf } = props;
  return (
    <HtmlDocument
      title={`${title} · Hotswap`}
      styles={STYLES}
      nonce={nonce}
      head={
        <>
          <link rel="icon" href="data:," />
          {csrf && <meta name="csrf-token" content={csrf} />}
        </>
      }
      body={{ "data-base": ADMIN_BASE }}
    >
      <header class="top">
        <a class="brand" href={ADMIN_BASE}>
          <span>⇄</span>Hotswap
        </a>
        <span class="sub">Module administration</span>
        <span class="grow" />
        <span class="meta">hotswap-receiver {VERSION}</span>
        {csrf && (
          <form class="inline" method="post" action={`${ADMIN_BASE}/logout`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <button class="btn small" type="submit">
              Sign out
            </button>
          </form>
        )}
      </header>
      <main>{props.children}</main>
      {props.script && (
        <script
          nonce={nonce}
          dangerouslySetInnerHTML={{
            __html: typeof props.script === "string" ? props.script : CLIENT_SCRIPT,
          }}
        />
      )}
    </HtmlDocument>
  );
}
