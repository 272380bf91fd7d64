// Real Windows exes for the version echo's tests, built the usual way: a small C
// server stand-in and a .rc version resource, compiled by Debian's mingw-w64 gcc
// (packages gcc-mingw-w64-x86-64 and gcc-mingw-w64-i686; .ci/run installs them).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export type MingwTarget = "x86_64-w64-mingw32" | "i686-w64-mingw32";

/** What the .rc says, and so what the version echo must read back. */
export interface RcVersion {
  fileVersion: string;
  productVersion: string;
  productName: string;
}

const C_SOURCE = `#include <stdio.h>
int main(void) {
  puts("webdemo: listening");
  return 0;
}
`;

export function hasTool(tool: string, args = ["--version"]): boolean {
  try {
    execFileSync(tool, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds `name` in `dir` with `target`'s gcc and extra flags (`-s`, `-mwindows`);
 * without `version`, no resources at all.
 */
export function buildExe(
  dir: string,
  name: string,
  target: MingwTarget,
  version: RcVersion | undefined,
  flags: string[] = [],
): string {
  const base = join(dir, name);
  const objects: string[] = [];
  writeFileSync(`${base}.c`, C_SOURCE);
  if (version) {
    writeFileSync(`${base}.rc`, versionRc(version));
    run(`${target}-windres`, ["-O", "coff", "-o", `${base}.res.o`, `${base}.rc`]);
    objects.push(`${base}.res.o`);
  }
  run(`${target}-gcc`, ["-O1", "-o", base, `${base}.c`, ...objects, ...flags]);
  return base;
}

/** Signs `exe` with a self-made certificate: a certificate table appended to the file. */
export function signExe(dir: string, exe: string, out: string): void {
  const key = join(dir, "sign-key.pem");
  const cert = join(dir, "sign-cert.pem");
  run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=Hotswap test signer",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  run("osslsigncode", [
    "sign",
    "-certs",
    cert,
    "-key",
    key,
    "-n",
    "webdemo",
    "-in",
    exe,
    "-out",
    out,
  ]);
}

/** Section names in file order, by the toolchain's own objdump. */
export function sections(target: MingwTarget, exe: string): { name: string; fileOffset: number }[] {
  const out = execFileSync(`${target}-objdump`, ["-h", exe], { encoding: "utf8" });
  return [
    ...out.matchAll(/^\s*\d+\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/gm),
  ].map((m) => ({ name: m[1]!, fileOffset: parseInt(m[2]!, 16) }));
}

/** A version resource script (.rc) that says these versions, as windres takes it. */
export function versionRc(v: RcVersion): string {
  const commas = (dotted: string) => [...dotted.split("."), "0", "0", "0"].slice(0, 4).join(",");
  return `1 VERSIONINFO
FILEVERSION ${commas(v.fileVersion)}
PRODUCTVERSION ${commas(v.productVersion)}
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "West Wind Demo"
      VALUE "FileDescription", "Web Connection demo server"
      VALUE "FileVersion", "${v.fileVersion}"
      VALUE "ProductVersion", "${v.productVersion}"
      VALUE "ProductName", "${v.productName}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
`;
}

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: ["ignore", "ignore", "pipe"] });
}
