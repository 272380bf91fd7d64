import {
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type ErrorCode,
  type Node,
} from "yaml";
import { ConfigError, type ConfigPlace } from "./config-error.js";

// The config file as YAML read it: its data, and where each key is written, so a
// mistake found in the data (by the schema or a later check) can name its line.
export class ConfigSource {
  readonly data: unknown;
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #text: string;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.#text = text;
    this.#lines = new LineCounter();
    this.#doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false });
    const error = this.#doc.errors[0];
    if (error) {
      let place = this.#place(error.pos[0]);
      // yaml puts a badly indented key's error at its line's start: the caret goes under the key.
      if (error.code === "BAD_INDENT") {
        const indent = /^\s*/.exec(this.#lineText(place.line))![0].length;
        place = { line: place.line, col: Math.max(place.col, indent + 1) };
      }
      throw new ConfigError(
        file,
        "",
        `not valid YAML: ${error.message.split("\n")[0]}; ${syntaxFix(error.code, error.message)}`,
        place,
        this.excerpt(place),
      );
    }
    this.data = this.#doc.toJS({ maxAliasCount: 100 });
  }

  /**
   * The YAML node written for a key path like `apps.web.gate` or `auth.keys[0].id`, or
   * for the nearest key above it that is written (a missing key's parent). App names
   * may hold dots, so at each mapping the longest key that fits the path is taken.
   */
  find(key: string): { node: Node; place: ConfigPlace; exact: boolean } | undefined {
    let node: unknown = this.#doc.contents;
    let rest = key;
    let found: { key: Node; value: Node | undefined } | undefined;
    while (rest) {
      let next: { key: Node; value: Node | undefined; length: number } | undefined;
      if (isSeq(node)) {
        const m = /^\[(\d+)\]/.exec(rest);
        const item = m ? node.items[Number(m[1])] : undefined;
        if (m && item && typeof item === "object")
          next = { key: item as Node, value: item as Node, length: m[0].length };
      } else if (isMap(node)) {
        for (const pair of node.items) {
          if (!isScalar(pair.key)) continue;
          const name = String(pair.key.value);
          const fits = rest === name || rest.startsWith(`${name}.`) || rest.startsWith(`${name}[`);
          if (fits && name.length > (next?.length ?? -1))
            next = {
              key: pair.key,
              value: (pair.value ?? undefined) as Node | undefined,
              length: name.length,
            };
        }
      }
      if (!next) break;
      found = next;
      node = next.value;
      rest = rest.slice(next.length).replace(/^\./, "");
    }
    if (!found) return undefined;
    const exact = rest === "";
    const value = found.value;
    // The caret goes under a value on the key's own line, under the key for a block below it.
    const inline = exact && value && (!isCollection(value) || value.flow);
    const offset = (inline ? value : found.key).range?.[0];
    if (offset === undefined) return undefined;
    return { node: exact && value ? value : found.key, place: this.#place(offset), exact };
  }

  /** The line at `place`, and a caret under its column. */
  excerpt(place: ConfigPlace): string {
    const line = this.#lineText(place.line);
    const shown = line.length > 100 ? `${line.slice(0, 100)}…` : line;
    return `  ${place.line} | ${shown}\n  ${" ".repeat(String(place.line).length)} | ${" ".repeat(Math.max(0, place.col - 1))}^`;
  }

  /** The text written for a node, as it stands in the file. */
  source(node: Node): string {
    const [start, end] = node.range ?? [0, 0];
    return this.#text.slice(start, end).trim();
  }

  #lineText(line: number): string {
    return this.#text.split(/\r?\n/)[line - 1] ?? "";
  }

  #place(offset: number): ConfigPlace {
    const { line, col } = this.#lines.linePos(offset);
    return { line, col };
  }
}

// What to do about the mistakes YAML's parser names, in the words of the fix.
const FLOW_FIX =
  'close each [ and { opened on this line or above, or quote a value with : { } [ ] , # in it (like "{port}")';
function syntaxFix(code: ErrorCode, message: string): string {
  switch (code) {
    case "TAB_AS_INDENT":
      return "indent with spaces, YAML does not allow tabs";
    case "DUPLICATE_KEY":
      return "this key is already set above in the same block: keep one of them";
    case "BAD_INDENT":
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      if (/[\]}]/.test(message)) return FLOW_FIX;
      return "the keys of one block must start at the same column, and a key's own block further right than the key (spaces only)";
    case "BLOCK_IN_FLOW":
    case "MISSING_CHAR":
    case "UNEXPECTED_TOKEN":
      return FLOW_FIX;
    case "BAD_SCALAR_START":
      return "quote the value: YAML does not let plain text start with @ or `";
    case "BAD_DQ_ESCAPE":
      return "in double quotes a backslash starts an escape: write \\\\ for one, or use single quotes";
    default:
      return "fix the line shown, or quote a value with YAML's special characters in it";
  }
}
