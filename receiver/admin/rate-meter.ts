import type { Receiver } from "../receiver.js";

const SAMPLE_MS = 1_000;
const WINDOW_MS = 10_000;

interface Sample {
  at: number;
  served: number;
}

// The gate counts the requests it has served; a rate needs that count at two
// moments. Samples every second, keeps ten seconds' worth per app, and answers
// the requests per second over them.
export class RateMeter {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly receiver: Receiver) {
    this.sample();
    setInterval(() => this.sample(), SAMPLE_MS).unref();
  }

  perSecond(app: string): number | undefined {
    const samples = this.samples.get(app) ?? [];
    const first = samples[0];
    const last = samples.at(-1);
    if (!first || !last || last.at - first.at < SAMPLE_MS / 2) return undefined;
    return ((last.served - first.served) * 1000) / (last.at - first.at);
  }

  private sample(): void {
    const at = Date.now();
    for (const [name, rt] of this.receiver.apps) {
      const samples = this.samples.get(name) ?? [];
      samples.push({ at, served: rt.gate.stats().served });
      while (samples.length > 2 && at - samples[0]!.at > WINDOW_MS) samples.shift();
      this.samples.set(name, samples);
    }
  }
}
