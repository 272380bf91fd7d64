// Upload: receiver peak RSS while staging 10 MiB versus 1 GiB (docs/design.md, guarantee 7),
// and the time of a 1 GiB upload over loopback versus the floor of the same
// work done by coreutils (cp of the file plus sha256sum of it).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { median, mib, peakRss, sha256File, startReceiver, tempDir, token, upload } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function makeFile(path, bytes) {
  const block = randomBytes(1 << 20);
  const fd = openSync(path, "w");
  for (let left = bytes; left > 0; left -= block.length)
    writeSync(fd, block, 0, Math.min(left, block.length));
  closeSync(fd);
}

async function stage(file, size) {
  const dir = tempDir("upload");
  mkdirSync(join(dir, "deploy"));
  const rx = await startReceiver(dir, {
    bench: {
      exeFile: "./deploy/app",
      updateFile: "./deploy/app_update",
      gate: "127.0.0.1:0",
      maxUploadSize: "4GiB",
    },
  });
  try {
    const sha = await sha256File(file);
    const started = performance.now();
    const res = await upload(
      rx.api,
      "/v1/apps/bench/upload",
      file,
      size,
      sha,
      await token({ op: "upload", sha256: sha }),
    );
    const ms = performance.now() - started;
    if (res.status !== 200 || !res.text.includes('"ok":true'))
      throw new Error(`upload failed: ${res.status} ${res.text}`);
    return { ms, rss: peakRss(rx.child.pid) };
  } finally {
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchUpload() {
  const dir = tempDir("files");
  const small = join(dir, "small.bin");
  const big = join(dir, "big.bin");
  makeFile(small, 10 * 1024 ** 2);
  makeFile(big, 1024 ** 3);
  try {
    const smallRuns = [];
    const bigRuns = [];
    const floorRuns = [];
    for (let i = 0; i < RUNS; i++) {
      smallRuns.push(await stage(small, 10 * 1024 ** 2));
      bigRuns.push(await stage(big, 1024 ** 3));
      const started = performance.now();
      execFileSync("sh", [
        "-c",
        `cp "${big}" "${dir}/copy.bin" && sha256sum "${big}" >/dev/null && rm "${dir}/copy.bin"`,
      ]);
      floorRuns.push(performance.now() - started);
    }
    const rssSmall = median(smallRuns.map((r) => r.rss));
    const rssBig = median(bigRuns.map((r) => r.rss));
    const upMs = bigRuns.map((r) => r.ms);
    return {
      rss10MiB: rssSmall,
      rss1GiB: rssBig,
      rssDeltaMiB: Number(mib(rssBig - rssSmall)),
      upload1GiBMs: { median: median(upMs), min: Math.min(...upMs), max: Math.max(...upMs) },
      floorMs: {
        median: median(floorRuns),
        min: Math.min(...floorRuns),
        max: Math.max(...floorRuns),
      },
      ratioToFloor: median(upMs) / median(floorRuns),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
