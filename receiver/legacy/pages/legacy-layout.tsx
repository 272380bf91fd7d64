import type { Child } from "hono/jsx";
import { HtmlDocument } from "../../http/pages/html-document.js";

const STYLES = `
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#1d2430}
h1{font-size:1.5rem;margin:0 0 1rem}h1.ok{color:#146c2e}h1.failed{color:#a4161a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{color:#5b6473}dd{margin:0}
code,pre{font:13px/1.4 ui-monospace,monospace;word-break:break-all}pre{background:#f3f4f6;padding:.75rem;overflow:auto}
footer{margin-top:2rem;color:#5b6473;font-size:13px}`;

/** Only the inline style above may apply; nothing may frame these pages. */
export const LEGACY_PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

// The frame of the small pages the seed's links answer with: wwHttp and
// Bld_*.prg look for a phrase in them, a person reads the rest.
export function LegacyLayout(props: { title: string; app: string; children?: Child }) {
  return (
    <HtmlDocument title={`${props.title} · ${props.app} · Hotswap`} styles={STYLES}>
      <main>{props.children}</main>
      <footer>
        Hotswap receiver · app <code>{props.app}</code> · Web Connection links
      </footer>
    </HtmlDocument>
  );
}
