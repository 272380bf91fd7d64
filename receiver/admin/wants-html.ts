import type { Context } from "hono";

// A browser navigating or posting a form asks for HTML and gets pages and
// redirects; the page's own script and other clients ask for JSON.
export function wantsHtml(c: Context): boolean {
  return (c.req.header("accept") ?? "").includes("text/html");
}
