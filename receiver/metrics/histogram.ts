/** Hold times span a few ms (overlap) to tens of seconds (a slow start). */
export const HOLD_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

// A Prometheus histogram for one label set: cumulative bucket counts, sum, count.
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((le, i) => {
      if (value <= le) this.counts[i]!++;
    });
  }

  lines(name: string, labels: string): string[] {
    const out = this.buckets.map(
      (le, i) => `${name}_bucket{${labels},le="${le}"} ${this.counts[i]}`,
    );
    out.push(`${name}_bucket{${labels},le="+Inf"} ${this.count}`);
    out.push(`${name}_sum{${labels}} ${this.sum}`, `${name}_count{${labels}} ${this.count}`);
    return out;
  }
}
