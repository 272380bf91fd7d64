// `npm run bench`: runs every benchmark against the bundled receiver (dist/),
// prints a table of figures and ratios measured in this one run, and writes the
// same as JSON to bench-results.json. Set BENCH_RUNS to change the repeat count.
import { writeFileSync } from "node:fs";
import { mib } from "./lib.mjs";
import { benchUpload } from "./upload.mjs";

const up = await benchUpload();
const rows = [
  ["upload: receiver peak RSS, 10 MiB artifact", `${mib(up.rss10MiB)} MiB`, ""],
  [
    "upload: receiver peak RSS, 1 GiB artifact",
    `${mib(up.rss1GiB)} MiB`,
    `+${up.rssDeltaMiB} MiB (target: within 50 MiB)`,
  ],
  [
    "upload: 1 GiB over loopback (median, min-max ms)",
    `${up.upload1GiBMs.median.toFixed(0)} (${up.upload1GiBMs.min.toFixed(0)}-${up.upload1GiBMs.max.toFixed(0)})`,
    "",
  ],
  [
    "floor: cp + sha256sum of 1 GiB (median, min-max ms)",
    `${up.floorMs.median.toFixed(0)} (${up.floorMs.min.toFixed(0)}-${up.floorMs.max.toFixed(0)})`,
    "",
  ],
  ["upload / floor", up.ratioToFloor.toFixed(2), "(target: at most 1.3)"],
];
const width = Math.max(...rows.map((r) => r[0].length));
for (const [name, value, note] of rows)
  console.log(`${name.padEnd(width)}  ${value.padStart(18)}  ${note}`);
writeFileSync(
  "bench-results.json",
  JSON.stringify({ at: new Date().toISOString(), upload: up }, null, 2) + "\n",
);
console.log("\nwrote bench-results.json");
