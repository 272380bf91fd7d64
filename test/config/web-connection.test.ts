import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../receiver/config/config-error.js";
import { readWebConnection } from "../../receiver/config/web-connection.js";

// `from: web.config` / `from: wc.ini`: what the receiver reads out of a Web Connection
// config, and the one clear line it gives when the file cannot be read.
const dir = mkdtempSync(join(tmpdir(), "hotswap-web-connection-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function read(text: string, name = "web.config") {
  const folder = join(dir, String(n++));
  mkdirSync(folder);
  const file = join(folder, name);
  writeFileSync(file, text);
  return { file, folder, paths: () => readWebConnection(file, "hotswap.yaml", "apps.web.from") };
}

const section = (adds: string) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <webConnectionConfiguration>\n${adds}\n  </webConnectionConfiguration>\n</configuration>\n`;

describe("readWebConnection: web.config", () => {
  it("reads ExeFile and UpdateFile, ~ being the web.config's folder", () => {
    const { folder, paths } = read(
      section(
        `    <add key="ExeFile" value="~\\..\\deploy\\wcdemo.exe" />\n    <add key="UpdateFile" value="~\\..\\deploy\\wcdemo_update.exe"/>`,
      ),
    );
    expect(paths()).toEqual({
      exeFile: resolve(folder, "../deploy/wcdemo.exe"),
      updateFile: resolve(folder, "../deploy/wcdemo_update.exe"),
    });
  });

  it("ignores a commented-out key, including one inside a multi-line comment", () => {
    const { folder, paths } = read(
      section(
        `    <!-- <add key="ExeFile" value="~\\old.exe" /> -->\n    <add key="ExeFile" value="~\\new.exe" />\n    <!--\n    <add key="UpdateFile" value="~\\old_update.exe" />\n    -->`,
      ),
    );
    expect(paths()).toEqual({ exeFile: resolve(folder, "new.exe"), updateFile: undefined });
  });

  it("takes single quotes and decodes entities", () => {
    const { folder, paths } = read(
      section(
        `    <add key='ExeFile' value='~\\a&amp;b &lt;1&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;.exe' />`,
      ),
    );
    expect(paths().exeFile).toBe(resolve(folder, `a&b <1> "q" 's' AB.exe`));
  });

  it("matches the key in any case", () => {
    const { folder, paths } = read(section(`    <add key="exefile" value="~\\x.exe" />`));
    expect(paths().exeFile).toBe(resolve(folder, "x.exe"));
  });

  it("reads nothing outside <webConnectionConfiguration>", () => {
    const { paths } = read(
      `<configuration><appSettings><add key="ExeFile" value="~\\x.exe"/></appSettings></configuration>`,
    );
    expect(paths()).toEqual({ exeFile: undefined, updateFile: undefined });
  });

  it.each([
    ["an unclosed element", section(`    <add key="ExeFile" value="~\\x.exe">`)],
    ["an unclosed attribute value", section(`    <add key="ExeFile" value="~\\x.exe />`)],
    ["a bare &", section(`    <add key="ExeFile" value="~\\a&b.exe" />`)],
    ["an unknown entity", section(`    <add key="ExeFile" value="~\\&nbsp;.exe" />`)],
    ["an unclosed comment", section(`    <!-- <add key="ExeFile" value="~\\x.exe" />`)],
    ["not XML at all", "ExeFile=~\\x.exe\n"],
  ])("refuses %s with one ConfigError naming the file", (_, text) => {
    const { file, paths } = read(text);
    let error: unknown;
    try {
      paths();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe("apps.web.from");
    expect((error as ConfigError).reason).toContain(`${file} is not valid XML`);
    expect((error as ConfigError).message).not.toContain("\n");
  });

  it("never expands an entity a DOCTYPE declares", () => {
    const { paths } = read(
      `<?xml version="1.0"?>\n<!DOCTYPE configuration [<!ENTITY exe "~\\evil.exe">]>\n<configuration><webConnectionConfiguration><add key="ExeFile" value="&exe;"/></webConnectionConfiguration></configuration>`,
    );
    let exeFile: string | undefined;
    try {
      exeFile = paths().exeFile;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return;
    }
    expect(exeFile ?? "").not.toContain("evil");
  });
});

describe("readWebConnection: wc.ini", () => {
  it("reads [Main] ExeFile and UpdateFile, and nothing from other sections", () => {
    const { folder, paths } = read(
      `; Web Connection\r\n[Other]\r\nExeFile=~\\wrong.exe\r\n[Main]\r\nexefile = ~\\right.exe\r\n# a comment\r\nUpdateFile=~\\update.exe\r\n`,
      "wc.ini",
    );
    expect(paths()).toEqual({
      exeFile: resolve(folder, "right.exe"),
      updateFile: resolve(folder, "update.exe"),
    });
  });
});
