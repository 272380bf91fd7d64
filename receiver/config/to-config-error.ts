import type * as z from "../zod.js";
import { ConfigError } from "./config-error.js";

// The first issue zod found, as `key.path: reason` — one line, the one to fix first.
export function toConfigError(file: string, error: z.core.$ZodError): ConfigError {
  const issue = error.issues[0]!;
  const key = issue.path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.join(", ");
    return new ConfigError(
      file,
      key ? `${key}.${issue.keys[0]}` : issue.keys[0]!,
      `unknown key (${names}); check the spelling against the config reference in the README`,
    );
  }
  if (issue.code === "invalid_key") {
    return new ConfigError(file, key, issue.issues[0]?.message ?? issue.message);
  }
  // A union (a unit: string or number) says "no branch matched" where nothing was written.
  if (
    (issue.code === "invalid_type" || issue.code === "invalid_union") &&
    issue.input === undefined
  ) {
    return new ConfigError(file, key, "required key is missing");
  }
  return new ConfigError(file, key, issue.message);
}
