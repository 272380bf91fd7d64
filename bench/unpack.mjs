// Unpack: receiver/staging/unpack's unpackArchive against `tar xzf` on the same
// ~1 GiB tar.gz (BENCH_UNPACK_MIB, default 1024) of many files of mixed sizes, in
// the same run, interleaved: wall time, and peak RSS (the unpacker must stay flat:
// a 1 GiB archive may cost no more than a 10 MiB one, give or take 50 MiB, as
// uploads must, DESIGN.md guarantee 7). The unpacker is not in dist/ yet (no
// receiver path calls it), so a tiny entry is bundled here with esbuild the way
// scripts/build.mjs bundles the receiver: the figures are the bundled code's, and
// its size is the bundle-size cost of tar + yauzl.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { have, median, peakRss, stats, tempDir } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIB = Number(process.env.BENCH_UNPACK_MIB ?? 1024);
const SMALL_MIB = 10;
const LIMITS = { maxUnpackedBytes: 64 * 1024 ** 3, maxFiles: 1_000_000 };

const requireShim = [
  "import { createRequire as __hotswapCreateRequire } from 'node:module';",
  "const require = __hotswapCreateRequire(import.meta.url);",
].join("\n");

const ENTRY = `
import { unpackArchive } from "./receiver/staging/unpack/unpack-archive.ts";
const [file, into, limits] = process.argv.slice(2);
const started = performance.now();
const result = await unpackArchive(file, into, JSON.parse(limits));
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ...result, ms, maxRss: process.resourceUsage().maxRSS * 1024 }));
`;

/** Bundles the entry (minified, as a release would ship it); bytes per package from the metafile. */
async function bundle(outfile) {
  const result = await build({
    stdin: {
      contents: ENTRY,
      resolveDir: resolve("."),
      loader: "ts",
      sourcefile: "unpack-bench.ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    legalComments: "none",
    banner: { js: requireShim },
    outfile,
    metafile: true,
    logLevel: "warning",
  });
  const byPackage = {};
  for (const [input, { bytesInOutput }] of Object.entries(
    Object.values(result.metafile.outputs)[0].inputs,
  )) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? "hotswap";
    byPackage[pkg] = (byPackage[pkg] ?? 0) + bytesInOutput;
  }
  return { bytes: statSync(outfile).size, byPackage };
}

// A tiny deterministic generator (mulberry32): the same tree every run.
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Files of mixed sizes (most small, some of a few MiB, a few large) cut from a
// pool of random hex: random-ish, about 2:1 compressible, so gzip works for real.
function makeTree(dir, mib) {
  const random = prng(14);
  const pool = Buffer.from(
    Array.from({ length: 1 << 19 }, () =>
      Math.floor(random() * 256)
        .toString(16)
        .padStart(2, "0"),
    ).join(""),
  );
  let left = mib * 1024 ** 2;
  let files = 0;
  while (left > 0) {
    const r = random();
    const size = Math.min(
      left,
      Math.floor(
        r < 0.9
          ? 512 + random() * 64 * 1024
          : r < 0.99
            ? (random() * 4) << 20
            : (random() * 48) << 20,
      ),
    );
    const folder = join(dir, `d${files % 64}`, `s${files % 7}`);
    mkdirSync(folder, { recursive: true });
    const chunks = [];
    for (let n = 0; n < size;) {
      const at = Math.floor(random() * (pool.length - 65536));
      const take = Math.min(size - n, 4096 + Math.floor(random() * 61440));
      chunks.push(pool.subarray(at, at + take));
      n += take;
    }
    writeFileSync(join(folder, `f${files}.bin`), Buffer.concat(chunks), {
      mode: files % 10 ? 0o644 : 0o755,
    });
    left -= size;
    files++;
  }
  symlinkSync("d0/s0", join(dir, "current"));
  return files;
}

function archive(dir, name, mib) {
  const src = join(dir, `${name}-src`);
  const files = makeTree(src, mib);
  const file = join(dir, `${name}.tgz`);
  spawnSync("tar", ["-czf", file, "-C", src, "."], { stdio: "inherit" });
  rmSync(src, { recursive: true, force: true });
  return { file, files, bytes: statSync(file).size };
}

/** Runs a command to its end; wall ms and peak RSS (GNU time's %M, or VmHWM polled from /proc). */
function measured(cmd, args) {
  const gnuTime = have("/usr/bin/time");
  const [bin, argv] = gnuTime ? ["/usr/bin/time", ["-f", "%M", cmd, ...args]] : [cmd, args];
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(bin, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let polled = 0;
    const poll = gnuTime
      ? undefined
      : setInterval(() => {
          try {
            polled = Math.max(polled, peakRss(child.pid));
          } catch {
            // gone between the check and the read
          }
        }, 10);
    child.stdout.setEncoding("utf8").on("data", (c) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-500)}`));
      const rss = gnuTime ? Number(stderr.trim().split("\n").at(-1)) * 1024 : polled;
      resolvePromise({ ms, rss, stdout });
    });
  });
}

export async function benchUnpack() {
  if (!have("tar")) return { skipped: "no tar command to compare with" };
  const dir = tempDir("unpack");
  try {
    const entry = join(dir, "unpack.mjs");
    const size = await bundle(entry);
    console.error(`bench: unpack: building a ${MIB} MiB tree and its tar.gz…`);
    const big = archive(dir, "big", MIB);
    const small = archive(dir, "small", SMALL_MIB);
    const unpack = async (file) => {
      const into = join(dir, "out-node");
      const run = await measured(process.execPath, [entry, file, into, JSON.stringify(LIMITS)]);
      rmSync(into, { recursive: true, force: true });
      return { ...run, result: JSON.parse(run.stdout) };
    };
    // tar leaves its files in the page cache; the unpacker flushes each file before the
    // release counts as whole. `sync -f` (syncfs of the folder's file system) after tar is
    // the baseline that also ends with the bytes on disk.
    const tarX = async (file, flush = false) => {
      const into = join(dir, "out-tar");
      mkdirSync(into);
      const run = flush
        ? await measured("sh", ["-c", 'tar -xzf "$0" -C "$1" && sync -f "$1"', file, into])
        : await measured("tar", ["-xzf", file, "-C", into]);
      rmSync(into, { recursive: true, force: true });
      return run;
    };
    const node = [];
    const tar = [];
    const tarSync = [];
    const smallRuns = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(await unpack(big.file));
      tar.push(await tarX(big.file));
      tarSync.push(await tarX(big.file, true));
      smallRuns.push(await unpack(small.file));
    }
    const nodeMs = node.map((r) => r.ms);
    const tarMs = tar.map((r) => r.ms);
    const rssBig = median(node.map((r) => r.rss));
    const rssSmall = median(smallRuns.map((r) => r.rss));
    return {
      mib: MIB,
      files: big.files,
      archiveBytes: big.bytes,
      unpackedBytes: node[0].result.bytes,
      unpackMs: stats(nodeMs),
      tarMs: stats(tarMs),
      ratioToTar: median(nodeMs) / median(tarMs),
      tarSyncMs: stats(tarSync.map((r) => r.ms)),
      ratioToTarSync: median(nodeMs) / median(tarSync.map((r) => r.ms)),
      rssBig,
      rssSmall,
      rssDeltaMiB: Number(((rssBig - rssSmall) / 1024 ** 2).toFixed(1)),
      tarRss: median(tar.map((r) => r.rss)),
      bundleBytes: size.bytes,
      bundleByPackage: size.byPackage,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
