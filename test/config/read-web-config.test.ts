// The web.config reader on its own: which <add> elements count, how values are
// decoded, and the line it gives for a file that is not well-formed XML.
import { describe, expect, it } from "vitest";
import { readWebConfig } from "../../receiver/config/read-web-config.js";

const section = (adds: string, before = "") =>
  `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n${before}  <webConnectionConfiguration>\n${adds}\n  </webConnectionConfiguration>\n</configuration>\n`;

function values(text: string): Record<string, string> {
  const read = readWebConfig(text);
  if ("error" in read) throw new Error(`unexpected: ${read.error}`);
  return Object.fromEntries(read.values);
}

function error(text: string): string {
  const read = readWebConfig(text);
  if (!("error" in read)) throw new Error(`read as valid: ${JSON.stringify([...read.values])}`);
  return read.error;
}

describe("readWebConfig: what counts", () => {
  it("reads a real Web Connection web.config: the section's keys, nothing from appSettings or handlers", () => {
    const text = `\uFEFF<?xml version="1.0" encoding="utf-8"?>
<!-- Web Connection -->
<configuration>
  <configSections>
    <section name="webConnectionConfiguration" type="System.Configuration.NameValueSectionHandler,System,Version=1.0.3300.0, Culture=neutral, PublicKeyToken=b77a5c561934e089" />
  </configSections>
  <appSettings>
    <add key="ExeFile" value="wrong.exe" />
  </appSettings>
  <webConnectionConfiguration>
    <add key="ExeFile" value="~\\..\\deploy\\wcdemo.exe" />
    <add key="UpdateFile" value="~\\..\\deploy\\wcdemo_update.exe"></add>
  </webConnectionConfiguration>
  <system.webServer>
    <handlers><add name="wc" path="*.wc" verb="*" /></handlers>
    <![CDATA[ <webConnectionConfiguration><add key="ExeFile" value="cdata"/></webConnectionConfiguration> ]]>
    <?iis-note keep?>
  </system.webServer>
</configuration>
`;
    expect(values(text)).toEqual({
      exefile: "~\\..\\deploy\\wcdemo.exe",
      updatefile: "~\\..\\deploy\\wcdemo_update.exe",
    });
  });

  it("skips a key a comment hides, on one line or several", () => {
    expect(
      values(
        section(
          `    <!-- <add key="ExeFile" value="old.exe" /> -->\n    <add key="ExeFile" value="new.exe" />\n    <!--\n    <add key="UpdateFile" value="old_update.exe" />\n    -->`,
        ),
      ),
    ).toEqual({ exefile: "new.exe" });
  });

  it("lets the last of two keys win, and reads a key whatever its case", () => {
    expect(
      values(
        section(`    <add key="ExeFile" value="a.exe" />\n    <add key="EXEFILE" value="b.exe" />`),
      ),
    ).toEqual({ exefile: "b.exe" });
  });

  it("matches element and attribute names case-sensitively, as XML does", () => {
    expect(
      values(
        section(
          `    <Add key="ExeFile" value="a.exe" />\n    <add Key="UpdateFile" value="b.exe" />\n    <add key="Other" Value="c" />`,
        ),
      ),
    ).toEqual({ other: "" });
    expect(
      values(
        `<configuration><WebConnectionConfiguration><add key="ExeFile" value="a.exe"/></WebConnectionConfiguration></configuration>`,
      ),
    ).toEqual({});
  });

  it("counts an <add> at any depth inside the section, and none after it closes", () => {
    expect(
      values(
        `<configuration><webConnectionConfiguration><group><add key="ExeFile" value="deep.exe"/></group></webConnectionConfiguration><add key="UpdateFile" value="after.exe"/></configuration>`,
      ),
    ).toEqual({ exefile: "deep.exe" });
  });

  it("ignores an add without a key, and gives an add without a value the empty string", () => {
    expect(
      values(
        section(
          `    <add value="x.exe" />\n    <add key="" value="y" />\n    <add key="ExeFile" />`,
        ),
      ),
    ).toEqual({ exefile: "" });
  });
});

describe("readWebConfig: values", () => {
  it("decodes the five named entities and decimal and hex character references", () => {
    expect(
      values(
        section(
          `    <add key="ExeFile" value="a&amp;b &lt;1&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#x1F600;" />`,
        ),
      ).exefile,
    ).toBe(`a&b <1> "q" 's' AB\u{1F600}`);
  });

  it("takes single quotes, with the other quote inside either kind", () => {
    expect(
      values(
        section(
          `    <add key='ExeFile' value='say "hi".exe' />\n    <add key="UpdateFile" value="it's.exe" />`,
        ),
      ),
    ).toEqual({ exefile: 'say "hi".exe', updatefile: "it's.exe" });
  });

  it("allows spaces around = and line breaks between attributes, and reads CRLF files", () => {
    expect(
      values(
        section(`    <add\r\n      key = "ExeFile"\r\n      value\t=\t'x.exe'\r\n    />`).replace(
          /\n/g,
          "\r\n",
        ),
      ),
    ).toEqual({ exefile: "x.exe" });
  });

  it("reads a tab or line break written in a value as a space, and &#10; as a line break", () => {
    expect(values(section(`    <add key="ExeFile" value="a\tb\r\nc&#10;d" />`)).exefile).toBe(
      "a b c\nd",
    );
  });
});

describe("readWebConfig: refused, with the line", () => {
  it.each([
    [
      "an element never closed",
      section(`    <add key="ExeFile" value="x.exe">`),
      /^line 5: <\/webConnectionConfiguration> where <add> should close$/,
    ],
    [
      "a mismatched end tag",
      `<configuration>\n<a></b>\n</configuration>`,
      /^line 2: <\/b> where <a> should close$/,
    ],
    [
      "an end tag with nothing open",
      `<configuration/>\n</configuration>`,
      /^line 2: <\/configuration> closes nothing$/,
    ],
    [
      "a file that stops inside the root",
      `<configuration>\n<webConnectionConfiguration>`,
      /not closed/,
    ],
    [
      "a value without quotes",
      section(`    <add key=ExeFile value="x" />`),
      /^line 4: the value of key must be in quotes$/,
    ],
    ["a value never closed", section(`    <add key="ExeFile value="x.exe />`), /^line 4: /],
    [
      "an attribute without a value",
      section(`    <add key value="x" />`),
      /expected = after key in <add>/,
    ],
    [
      "two attributes run together",
      section(`    <add key="ExeFile"value="x" />`),
      /unexpected "v" in <add>/,
    ],
    [
      "the same attribute twice",
      section(`    <add key="ExeFile" key="UpdateFile" />`),
      /key twice in <add>/,
    ],
    [
      "< inside a value",
      section(`    <add key="ExeFile" value="a<b" />`),
      /< in the value of value/,
    ],
    [
      "a bare &",
      section(`    <add key="ExeFile" value="a & b" />`),
      /^line 4: & that starts no entity/,
    ],
    [
      "an entity HTML has but XML does not",
      section(`    <add key="ExeFile" value="&nbsp;" />`),
      /unknown entity &nbsp;/,
    ],
    [
      "a reference to a character XML forbids",
      section(`    <add key="ExeFile" value="&#0;" />`),
      /&#0; is not a character/,
    ],
    [
      "a comment never closed",
      section(`    <!-- <add key="ExeFile" value="x.exe" />`),
      /a comment is not closed/,
    ],
    ["-- inside a comment", section(`    <!-- a -- b -->`), /^line 4: -- inside a comment$/],
    ["a CDATA section never closed", section(`    <![CDATA[ x`), /a CDATA section is not closed/],
    [
      "an XML declaration that is not the first thing",
      `\n<?xml version="1.0"?><configuration/>`,
      /at the very start/,
    ],
    [
      "a broken XML declaration",
      `<?xml version=1.0?><configuration/>`,
      /declaration is not well-formed/,
    ],
    [
      "text outside the root",
      `<configuration/>\nExeFile=x.exe`,
      /^line 2: text outside the root element$/,
    ],
    ["two root elements", `<configuration/>\n<configuration/>`, /a second root element/],
    ["an empty file", "", /no root element/],
    ["an ini file", "[Main]\nExeFile=x.exe\n", /^line 1: text outside the root element$/],
  ])("%s", (_, text, reason) => {
    expect(error(text)).toMatch(reason);
  });
});

describe("readWebConfig: no DOCTYPE, so no entity of the file's own (XXE)", () => {
  it.each([
    ["an internal entity", `<!DOCTYPE configuration [<!ENTITY exe "evil.exe">]>`],
    ["an external entity", `<!DOCTYPE configuration [<!ENTITY exe SYSTEM "file:///etc/passwd">]>`],
    ["an external DTD", `<!DOCTYPE configuration SYSTEM "http://127.0.0.1:1/evil.dtd">`],
    [
      "entities that grow (billion laughs)",
      `<!DOCTYPE configuration [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY exe "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>`,
    ],
  ])("refuses %s before reading anything", (_, doctype) => {
    const text = `<?xml version="1.0"?>\n${doctype}\n<configuration><webConnectionConfiguration><add key="ExeFile" value="&exe;"/></webConnectionConfiguration></configuration>`;
    expect(error(text)).toMatch(/^line 2: a DOCTYPE is not accepted/);
  });
});
