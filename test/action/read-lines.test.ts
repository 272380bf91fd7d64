import { describe, expect, it } from "vitest";
import { readLines } from "../../api-client/read-lines.js";

async function collect(chunks: (string | Buffer)[]): Promise<string[]> {
  async function* stream(): AsyncGenerator<string | Buffer> {
    yield* chunks;
  }
  const lines: string[] = [];
  for await (const line of readLines(stream())) lines.push(line);
  return lines;
}

describe("readLines", () => {
  it("yields whole lines however the chunks are cut, skipping blank ones", async () => {
    expect(await collect(['{"a":', '1}\n{"b"', ":2}\r\n\n", '{"c":3}'])).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
    ]);
  });

  it("keeps a character whose bytes arrive in two chunks", async () => {
    const bytes = Buffer.from("swap → done\n");
    const cut = bytes.indexOf(0x86); // inside the three bytes of "→"
    expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(["swap → done"]);
  });

  it("refuses an endless line", async () => {
    await expect(collect(["x".repeat(2 ** 20 + 1)])).rejects.toThrow("longer than");
  });
});
