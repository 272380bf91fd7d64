import { isMap, isScalar, isSeq, type Node } from "yaml";
import en from "zod/v4/locales/en.js";
import type * as z from "../zod.js";
import { ConfigError } from "./config-error.js";
import type { ConfigSource } from "./config-source.js";

type Issue = z.core.$ZodIssue;
const zodDefault = en().localeError as (issue: Issue) => string | { message: string } | undefined;

// The first issue zod found, as `key.path: reason` at the key's line — one line, the
// one to fix first. zod's own wording ("Invalid input") becomes a sentence naming what
// was expected and what was written, with the fix for YAML's usual traps.
export function toConfigError(
  file: string,
  error: z.core.$ZodError,
  source?: ConfigSource,
): ConfigError {
  const issue = error.issues[0]!;
  const key = keyPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.join(", ");
    const at = key ? `${key}.${issue.keys[0]}` : issue.keys[0]!;
    return new ConfigError(
      file,
      at,
      `unknown key (${names}); check the spelling against the config reference in the README`,
      source?.find(at)?.place,
    );
  }
  const found = source?.find(key);
  const place = found?.place;
  if (issue.code === "invalid_key") {
    return new ConfigError(file, key, issue.issues[0]?.message ?? issue.message, place);
  }
  // A union (a unit: string or number) says "no branch matched" where nothing was written.
  if (
    (issue.code === "invalid_type" || issue.code === "invalid_union") &&
    issue.input === undefined
  ) {
    return new ConfigError(file, key, "required key is missing", place);
  }
  // A message the schema wrote for the key says what it takes already; what was written
  // is added where it does not say.
  if (!isDefault(issue)) {
    const input = (issue as { input?: unknown }).input;
    const bare = /^expected /.test(issue.message) && !/, got /.test(issue.message);
    const reason =
      bare && input !== undefined ? `${issue.message}, got ${shown(input)}` : issue.message;
    return new ConfigError(file, key, reason, place);
  }
  const trap = found?.exact && source ? yamlTrap(issue, found.node, source, key) : "";
  return new ConfigError(file, key, `${sentence(issue)}${trap}`, place);
}

/** `apps.web.env.PORT`, `auth.keys[0].secret`: the path as the user reads it. */
function keyPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

// Whether the message is zod's own, not one the schema wrote for this key.
function isDefault(issue: Issue): boolean {
  const own = zodDefault(issue);
  return issue.message === (typeof own === "string" ? own : own?.message);
}

const TYPE_NAMES: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of keys",
  record: "a mapping of keys",
};
const typeName = (t: string) => TYPE_NAMES[t] ?? t;

/** A value as an error quotes it: what YAML made of it, in short. */
export function shown(v: unknown): string {
  if (v === null) return "an empty value";
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === "object") return `a mapping (${JSON.stringify(v).slice(0, 60)})`;
  return JSON.stringify(v);
}

// The wanted types of a union whose every branch refused the value's type.
function unionTypes(issue: Extract<Issue, { code: "invalid_union" }>): string[] | undefined {
  const types = issue.errors.map((branch) =>
    branch[0]?.code === "invalid_type" ? branch[0].expected : undefined,
  );
  return types.every((t) => t !== undefined) ? [...new Set(types)] : undefined;
}

function sentence(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  const got = `, got ${shown(input)}`;
  switch (issue.code) {
    case "invalid_type":
      return `expected ${typeName(issue.expected)}${got}`;
    case "invalid_union": {
      const types = unionTypes(issue);
      return types
        ? `expected ${types.map(typeName).join(" or ")}${got}`
        : `not a value this key takes${got}`;
    }
    case "invalid_value":
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}${got}`;
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = small ? issue.minimum : issue.maximum;
      const edge = issue.inclusive
        ? small
          ? "at least"
          : "at most"
        : small
          ? "more than"
          : "less than";
      if (issue.origin === "array")
        return `must have ${edge} ${bound} ${bound === 1 ? "entry" : "entries"}`;
      if (issue.origin === "string")
        return small && bound === 1
          ? "must not be empty"
          : `must be ${edge} ${bound} characters long`;
      return `must be ${edge} ${bound}${got}`;
    }
    case "invalid_format":
      if (issue.format === "starts_with")
        return `must start with "${(issue as { prefix?: string }).prefix}"${got}`;
      if (issue.format === "regex") return `must match ${issue.pattern}${got}`;
      return `expected ${issue.format === "url" ? "a URL" : `a ${issue.format}`}${got}`;
    default:
      return `${issue.message}${got}`;
  }
}

// YAML reads some plain text as something else: `{port}` is a mapping, `[a]` a list,
// `true` a boolean, `8080` a number, nothing an empty value. Where the schema wanted
// text, say what YAML made of it and that quotes keep it as written.
function yamlTrap(issue: Issue, node: Node, source: ConfigSource, key: string): string {
  const wanted =
    issue.code === "invalid_type"
      ? [issue.expected]
      : issue.code === "invalid_union"
        ? (unionTypes(issue) ?? [])
        : [];
  if (!wanted.includes("string")) return "";
  const name = /[^.\]]+$/.exec(key)?.[0];
  const text = source.source(node);
  const quoted = name && !key.endsWith("]") ? `${name}: "${text}"` : `"${text}"`;
  if (isMap(node) && node.flow)
    return ` (YAML reads ${text} as a mapping, not text: quote it, like ${quoted})`;
  if (isSeq(node) && node.flow)
    return ` (YAML reads ${text} as a list, not text: quote it, like ${quoted})`;
  if (isScalar(node) && node.value === null)
    return " (nothing is written after the colon: give a value, or leave the key out)";
  if (isScalar(node) && typeof node.value === "boolean")
    return ` (YAML reads ${text} as true/false, not text: quote it, like ${quoted})`;
  if (isScalar(node) && typeof node.value === "number" && !wanted.includes("number"))
    return ` (YAML reads ${text} as a number, not text: quote it, like ${quoted})`;
  return "";
}
