import { raw } from "hono/html";
import type { Child } from "hono/jsx";

export interface HtmlDocumentProps {
  /** The whole <title>. */
  title: string;
  /** The page's one inline style sheet. */
  styles: string;
  /** The CSP nonce the inline style carries, when the page's CSP asks for one. */
  nonce?: string;
  /** More of <head>, after the common tags. */
  head?: Child;
  /** Attributes of <body>. */
  body?: Record<string, string>;
  children?: Child;
}

// The HTML frame every page of the receiver shares (the admin page and the seed's
// links): doctype, UTF-8, never indexed, one inline style sheet.
export function HtmlDocument(props: HtmlDocumentProps) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          {props.head}
          <title>{props.title}</title>
          <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: props.styles }} />
        </head>
        <body {...props.body}>{props.children}</body>
      </html>
    </>
  );
}
