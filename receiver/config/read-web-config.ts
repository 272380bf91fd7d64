// What a Web Connection web.config says under <webConnectionConfiguration>: every
// <add key="…" value="…"/> inside it, by key in lower case, the last one winning.
// A reader of exactly that much XML instead of a DOM library (200 KB of the bundle for
// two attributes): element and attribute names match case-sensitively, as in any XML
// parser; comments, CDATA and processing instructions are skipped; both quote styles,
// the five named entities and character references are read. A DOCTYPE is refused, so
// no entity of the file's own can pull in another file (XXE) or grow without bound. A
// file that is not well-formed gives the reason and its line.
export type WebConfigRead = { values: Map<string, string> } | { error: string };

export function readWebConfig(text: string): WebConfigRead {
  try {
    return { values: new Reader(text.replace(/\r\n?/g, "\n")).read() };
  } catch (error) {
    if (error instanceof Malformed) return { error: error.message };
    throw error;
  }
}

const SECTION = "webConnectionConfiguration";
const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.:\u00B7-\uFFFF-]*/y;
const ENTITY = /&(?:#(\d+)|#x([\dA-Fa-f]+)|([A-Za-z_][\w.-]*));/y;
const DECLARATION =
  /^<\?xml\s+version\s*=\s*(["'])1\.\d+\1(\s+encoding\s*=\s*(["'])[A-Za-z][\w.-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*\?>$/;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

class Malformed extends Error {}

class Reader {
  #at: number;
  readonly #open: string[] = [];
  readonly #values = new Map<string, string>();
  #sections = 0;
  #roots = 0;
  constructor(readonly xml: string) {
    this.#at = xml.startsWith("\uFEFF") ? 1 : 0;
  }

  read(): Map<string, string> {
    const { xml } = this;
    while (this.#at < xml.length) {
      const lt = xml.indexOf("<", this.#at);
      const end = lt < 0 ? xml.length : lt;
      const text = xml.slice(this.#at, end);
      if (text.trim() && !this.#open.length)
        this.#fail("text outside the root element", this.#at + text.search(/\S/));
      this.#decode(text, this.#at);
      this.#at = end;
      if (lt < 0) break;
      if (xml.startsWith("<!--", lt)) this.#comment();
      else if (xml.startsWith("<![CDATA[", lt) && this.#open.length)
        this.#skipPast("]]>", "a CDATA section");
      else if (xml.startsWith("<?", lt)) this.#instruction();
      else if (xml.startsWith("<!DOCTYPE", lt))
        this.#fail(
          "a DOCTYPE is not accepted (a web.config has none, and its entities could read other files)",
        );
      else if (xml.startsWith("<!", lt))
        this.#fail(`unexpected ${JSON.stringify(xml.slice(lt, lt + 9))}`);
      else if (xml.startsWith("</", lt)) this.#endTag();
      else this.#startTag();
    }
    if (this.#open.length) this.#fail(`<${this.#open.at(-1)}> is not closed`);
    if (!this.#roots) this.#fail("no root element");
    return this.#values;
  }

  #startTag(): void {
    this.#at++;
    const name = this.#name() ?? this.#fail("expected an element name after <");
    if (!this.#open.length && this.#roots++) this.#fail(`a second root element <${name}>`);
    const attributes = new Map<string, string>();
    for (;;) {
      const space = this.#space();
      if (this.xml.startsWith("/>", this.#at) || this.xml[this.#at] === ">") break;
      const attribute = space ? this.#name() : undefined;
      if (!attribute) this.#fail(`unexpected ${this.#here()} in <${name}>`);
      if (attributes.has(attribute)) this.#fail(`${attribute} twice in <${name}>`);
      attributes.set(attribute, this.#value(name, attribute));
    }
    const empty = this.xml[this.#at] === "/";
    this.#at += empty ? 2 : 1;
    const key = attributes.get("key");
    if (name === "add" && this.#sections && key)
      this.#values.set(key.toLowerCase(), attributes.get("value") ?? "");
    if (empty) return;
    this.#open.push(name);
    if (name === SECTION) this.#sections++;
  }

  #endTag(): void {
    this.#at += 2;
    const name = this.#name() ?? this.#fail("expected an element name after </");
    this.#space();
    if (this.xml[this.#at] !== ">") this.#fail(`unexpected ${this.#here()} in </${name}>`);
    this.#at++;
    const open = this.#open.pop();
    if (open !== name)
      this.#fail(open ? `</${name}> where <${open}> should close` : `</${name}> closes nothing`);
    if (name === SECTION) this.#sections--;
  }

  // `= "…"` or `= '…'`; tabs and line breaks written in it read as spaces (XML's rule).
  #value(element: string, attribute: string): string {
    this.#space();
    if (this.xml[this.#at] !== "=") this.#fail(`expected = after ${attribute} in <${element}>`);
    this.#at++;
    this.#space();
    const quote = this.xml[this.#at];
    if (quote !== '"' && quote !== "'") this.#fail(`the value of ${attribute} must be in quotes`);
    const close = this.xml.indexOf(quote, this.#at + 1);
    if (close < 0) this.#fail(`the value of ${attribute} is not closed`);
    const raw = this.xml.slice(this.#at + 1, close);
    if (raw.includes("<")) this.#fail(`< in the value of ${attribute} (write &lt;)`);
    const value = this.#decode(raw.replace(/[\t\n]/g, " "), this.#at + 1);
    this.#at = close + 1;
    return value;
  }

  // The entities a file without a DOCTYPE can have: the five named ones and characters.
  #decode(text: string, start: number): string {
    let out = "";
    let from = 0;
    for (let amp = text.indexOf("&"); amp >= 0; amp = text.indexOf("&", from)) {
      ENTITY.lastIndex = amp;
      const match = ENTITY.exec(text);
      if (!match) this.#fail("& that starts no entity (write &amp;)", start + amp);
      const [whole, decimal, hex, named] = match;
      const code = named === undefined ? (decimal ? Number(decimal) : parseInt(hex!, 16)) : 0;
      const char =
        named === undefined ? isXmlChar(code) && String.fromCodePoint(code) : NAMED[named];
      if (!char) {
        this.#fail(
          named === undefined
            ? `${whole} is not a character XML allows`
            : `unknown entity ${whole} (only &amp; &lt; &gt; &quot; &apos; and &#…; are read)`,
          start + amp,
        );
      }
      out += text.slice(from, amp) + char;
      from = amp + whole.length;
    }
    return out + text.slice(from);
  }

  // XML forbids -- inside a comment, and so does IIS reading the same file.
  #comment(): void {
    const start = this.#at;
    this.#at += 4;
    this.#skipPast("-->", "a comment");
    const body = `${this.xml.slice(start + 4, this.#at - 3)}-`;
    const dashes = body.indexOf("--");
    if (dashes >= 0) this.#fail("-- inside a comment", start + 4 + dashes);
  }

  // <?xml version="1.0" …?> only where the file begins; any other <?target …?> anywhere.
  #instruction(): void {
    const start = this.#at;
    this.#at += 2;
    const target = this.#name() ?? this.#fail("expected a name after <?");
    if (!/^(\?>|[ \t\n])/.test(this.xml.slice(this.#at, this.#at + 2)))
      this.#fail(`unexpected ${this.#here()} after <?${target}`);
    this.#skipPast("?>", "a processing instruction");
    if (target.toLowerCase() !== "xml") return;
    if (start > (this.xml.startsWith("\uFEFF") ? 1 : 0))
      this.#fail("<?xml …?> anywhere but at the very start", start);
    if (!DECLARATION.test(this.xml.slice(start, this.#at)))
      this.#fail("the <?xml …?> declaration is not well-formed", start);
  }

  #name(): string | undefined {
    NAME.lastIndex = this.#at;
    const match = NAME.exec(this.xml);
    if (match) this.#at += match[0].length;
    return match?.[0];
  }

  #space(): boolean {
    const from = this.#at;
    while (/[ \t\n]/.test(this.xml[this.#at] ?? "")) this.#at++;
    return this.#at > from;
  }

  #skipPast(end: string, what: string): void {
    const stop = this.xml.indexOf(end, this.#at);
    if (stop < 0) this.#fail(`${what} is not closed`);
    this.#at = stop + end.length;
  }

  #here(): string {
    return this.#at < this.xml.length ? JSON.stringify(this.xml[this.#at]) : "end of file";
  }

  #fail(reason: string, at = this.#at): never {
    const line = this.xml.slice(0, at).split("\n").length;
    throw new Malformed(`line ${line}: ${reason}`);
  }
}

// XML 1.0's Char: what a character reference may stand for.
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
