export type LegacyLink = "upload" | "update";

// The seed's link names, lowercased: the .NET handler's own (UploadExe.wc,
// UpdateExe.wc) and the ones routed through wc.wc to the server's maintenance
// process (`wc.wc?_maintain~uploadexe`, `?wwMaint~FileUpload`,
// `?_maintain~UpdateExe`, and `~updatedexe` as the docs spell it for wc.dll).
const LINKS = new Map<string, LegacyLink>([
  ["uploadexe.wc", "upload"],
  ["updateexe.wc", "update"],
  ["wc.wc?_maintain~uploadexe", "upload"],
  ["wc.wc?wwmaint~fileupload", "upload"],
  ["wc.wc?_maintain~updateexe", "update"],
  ["wc.wc?_maintain~updatedexe", "update"],
]);

// Which link a request under /{app}/ is, from the last path segment and the
// raw query: Web Connection reads `wc.wc?Process~Method~Params&key=value`,
// so only the first two `~` parts before any `&` name the link. Case never matters.
export function legacyLink(segment: string, rawQuery: string): LegacyLink | undefined {
  const name = segment.toLowerCase();
  if (name !== "wc.wc") return LINKS.get(name);
  let query = rawQuery.replace(/^\?/, "").split("&")[0]!;
  try {
    query = decodeURIComponent(query);
  } catch {
    return undefined;
  }
  const [process, method] = query.toLowerCase().split("~");
  return LINKS.get(`wc.wc?${process}~${method}`);
}
