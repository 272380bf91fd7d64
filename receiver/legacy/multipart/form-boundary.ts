import { HttpError } from "../../http-error.js";

// The seed's upload links take an HTML form post: wwHttp with nHttpPostMode = 2,
// the admin page's file input, `curl -F File=@FILE`. Anything else is refused
// before a byte of the body is read, with how to send it instead.
export function formBoundary(contentType: string | undefined): string {
  const form = /^multipart\/form-data\s*(;.*)?$/i.exec(contentType?.trim() ?? "");
  if (!form) {
    throw new HttpError(
      415,
      "ERR_MEDIA_TYPE",
      'send the exe as a multipart form with the field File: wwHttp nHttpPostMode = 2 and AddPostKey("File", lcFile, .T.), or curl -F "File=@FILE"',
    );
  }
  // RFC 2046: 1 to 70 characters, quoted when it holds anything but a token.
  const boundary = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(
    form[1] ?? "",
  );
  const value = boundary?.[1] ?? boundary?.[2];
  if (!value) {
    throw new HttpError(
      400,
      "ERR_MULTIPART",
      "the multipart/form-data Content-Type names no boundary (1 to 70 characters)",
    );
  }
  return value;
}
