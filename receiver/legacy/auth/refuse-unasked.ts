import { HttpError } from "../../http-error.js";

export interface RequestOrigin {
  secFetchSite?: string;
  secPurpose?: string;
  origin?: string;
  host?: string;
}

// Requests a browser makes that its user did not ask for. A browser keeps Basic
// credentials and sends them with any request to the same host, so a page
// elsewhere could otherwise post a form to UploadExe.wc or put UpdateExe.wc in
// an <img>, and a prefetch of the uploaded page's link would swap. Browsers say
// where a request comes from (Sec-Fetch-Site; older ones only Origin, on posts)
// and when it is a prefetch; scripts such as wwHttp and curl send none of it and
// pass. A typed address, a bookmark or a click on this receiver's page passes.
export function refuseUnasked(request: RequestOrigin, audience: string): void {
  if (/prefetch|prerender/i.test(request.secPurpose ?? "")) {
    throw refusal(`Sec-Purpose: ${request.secPurpose}`, "a prefetch");
  }
  const site = request.secFetchSite?.toLowerCase();
  if (site !== undefined) {
    if (site === "same-origin" || site === "none") return;
    throw refusal(`Sec-Fetch-Site: ${site}`, "a page on another site");
  }
  if (request.origin === undefined) return;
  const allowed = new Set([request.host?.toLowerCase(), new URL(audience).host.toLowerCase()]);
  let from: string | undefined;
  try {
    from = new URL(request.origin).host.toLowerCase();
  } catch {
    from = undefined;
  }
  if (!from || !allowed.has(from))
    throw refusal(`Origin: ${request.origin.slice(0, 100)}`, "a page on another site");
}

function refusal(header: string, who: string): HttpError {
  return new HttpError(
    403,
    "ERR_NOT_ASKED",
    `refused a request ${who} made (${header}); open the link itself, or use wwHttp or curl`,
  );
}
