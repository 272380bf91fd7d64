// An open-model load on the gate: requests arrive at a fixed rate whether or not earlier
// ones were answered, as real clients do, so requests held during a swap pile up and their
// whole wait is counted (a closed loop would stop sending while it waits, and hide it).
// Plain JavaScript with its types in open-load.d.mts, so that the tests and `npm run bench`
// (which runs .mjs without a compiler) share one generator. The app behind the gate must
// answer as test/helpers/app-script.ts does: "VERSION\n" to GET /, "VERSION slow\n" to
// /slow?ms=N after N ms, and "VERSION LENGTH\n" to a POST body of LENGTH bytes.
import { Agent, request } from "undici";

/** Error codes that mean the connection was cut under a request. */
export const RESET_CODES = new Set(["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]);
const TIMEOUT_CODES = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "TimeoutError",
]);

// One client of the gate with both kinds of connection: a keep-alive pool, and a
// `connection: close` dispatcher that costs every request a fresh connection. Each send
// resolves with what happened to it; it never throws.
export function gateClient({ url, slowMs = 300, postBytes = 4096, timeoutMs = 30_000 }) {
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const keepAlive = new Agent({ ...timeouts, keepAliveTimeout: 4_000 });
  const fresh = new Agent(timeouts);
  const body = Buffer.alloc(postBytes, "x");
  const expected = { get: "", slow: " slow", post: ` ${postBytes}` };

  async function send(kind, useKeepAlive, scheduledAt = performance.now(), client) {
    const sample = { kind, keepAlive: useKeepAlive, scheduledAt, sentAt: performance.now() };
    const headers = useKeepAlive ? {} : { connection: "close" };
    if (client !== undefined) {
      sample.client = client;
      headers.cookie = `hotswap-canary=client-${client}`;
    }
    try {
      const res = await request(url + (kind === "slow" ? `/slow?ms=${slowMs}` : "/"), {
        method: kind === "post" ? "POST" : "GET",
        body: kind === "post" ? body : undefined,
        headers,
        dispatcher: useKeepAlive ? keepAlive : fresh,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.body.text();
      sample.status = res.statusCode;
      const retryAfter = res.headers["retry-after"];
      if (retryAfter !== undefined) sample.retryAfter = String(retryAfter);
      const answer = /^(\S+)(.*)\n$/.exec(text);
      if (res.statusCode === 200 && answer?.[2] === expected[kind]) sample.version = answer[1];
      else sample.text = text.slice(0, 200);
    } catch (error) {
      sample.error = typeof error?.code === "string" ? error.code : (error?.name ?? "Error");
      sample.text = String(error?.message ?? error).slice(0, 200);
    }
    sample.doneAt = performance.now();
    sample.latencyMs = sample.doneAt - scheduledAt;
    return sample;
  }

  const close = () => Promise.all([keepAlive.close(), fresh.close()]).then(() => undefined);
  return { send, close };
}

// How a request failed, or undefined when it got its 200 with the answer expected.
export function failure(sample) {
  if (sample.error !== undefined) {
    if (RESET_CODES.has(sample.error)) return `reset (${sample.error})`;
    if (TIMEOUT_CODES.has(sample.error)) return `timeout (${sample.error})`;
    return sample.error;
  }
  if (sample.status !== 200) return `status ${sample.status}`;
  if (sample.version === undefined) return "unexpected body";
  return undefined;
}

// Arrivals every 1000/rate ms from the start, each sent the moment it is due: a late timer
// sends every arrival it missed at once, and nothing waits for an answer. Stops itself after
// durationMs (without one, it runs until stop()); stop() ends it sooner. Samples are kept in
// the order the answers came back.
export function openLoad({
  rate,
  durationMs = Infinity,
  mix = { get: 1 },
  keepAliveShare = 0.5,
  seed = 1,
  clients,
  ...client
}) {
  const gate = gateClient(client);
  const random = mulberry32(seed);
  const weights = Object.entries(mix).filter(([, weight]) => weight > 0);
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const pick = () => {
    let r = random() * total;
    for (const [kind, weight] of weights) if ((r -= weight) < 0) return kind;
    return weights.at(-1)[0];
  };
  const interval = 1000 / rate;
  const startedAt = performance.now();
  const endsAt = startedAt + durationMs;
  const samples = [];
  const pending = new Set();
  let timer;
  let ended;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const load = { samples, startedAt, scheduled: 0, maxLagMs: 0, stop, done };

  const tick = () => {
    const now = performance.now();
    for (let at = startedAt + load.scheduled * interval; at <= now && at < endsAt;) {
      load.maxLagMs = Math.max(load.maxLagMs, now - at);
      const kind = pick();
      const keepAlive = random() < keepAliveShare;
      const who = clients === undefined ? undefined : Math.floor(random() * clients);
      const sent = gate.send(kind, keepAlive, at, who).then((sample) => {
        samples.push(sample);
        pending.delete(sent);
      });
      pending.add(sent);
      at = startedAt + ++load.scheduled * interval;
    }
    const next = startedAt + load.scheduled * interval;
    if (next >= endsAt) return void stop();
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };

  // Ends the arrivals and resolves once every request is answered (each is bounded by
  // the client's timeout).
  function stop() {
    clearTimeout(timer);
    ended ??= Promise.all(pending)
      .then(() => gate.close())
      .then(() => samples);
    ended.then(finish);
    return ended;
  }

  timer = setTimeout(tick, 0);
  return load;
}

// Hold windows in this process's own clock, from a deploy's stream: a window opens when the
// "hold" step starts and closes when the "release" step is done. `releasing` is when the
// release step started, which the stream says just before the gate lets go.
export function holdWindows() {
  const windows = [];
  const onEvent = (event) => {
    if (event.type !== "step") return;
    const now = performance.now();
    const open = windows.at(-1)?.end === undefined ? windows.at(-1) : undefined;
    if (event.step === "hold" && event.state === "start") windows.push({ start: now });
    else if (open && event.step === "release" && event.state === "start") open.releasing = now;
    else if (open && event.step === "release") open.end = now;
  };
  const during = (t) => windows.some((w) => t >= w.start && t <= (w.end ?? Infinity));
  return { windows, onEvent, during };
}

// The figures of one run: what was sent and lost, and the latency of requests that arrived
// during a hold against those that did not (without `holds`, every request is outside).
export function loadReport(samples, holds = holdWindows()) {
  const failures = {};
  const examples = {};
  let resets = 0;
  for (const sample of samples) {
    const kind = failure(sample);
    if (kind === undefined) continue;
    failures[kind] = (failures[kind] ?? 0) + 1;
    examples[kind] ??=
      `${sample.kind} ${sample.keepAlive ? "keep-alive" : "close"}: ${sample.text}`;
    if (RESET_CODES.has(sample.error)) resets++;
  }
  const failed = Object.values(failures).reduce((sum, n) => sum + n, 0);
  const held = samples.filter((s) => holds.during(s.sentAt));
  const outside = samples.filter((s) => !holds.during(s.sentAt));
  const versions = [];
  for (const s of samples) if (s.version && s.version !== versions.at(-1)) versions.push(s.version);
  const spans = holds.windows.filter((w) => w.end !== undefined).map((w) => w.end - w.start);
  // Requests that arrived during a hold, before its release began, and were answered after
  // it: the ones that hold kept waiting at the gate all at once.
  const heldByHold = holds.windows
    .filter((w) => w.releasing !== undefined)
    .map(
      (w) =>
        samples.filter(
          (s) => s.sentAt >= w.start && s.sentAt < w.releasing && s.doneAt >= w.releasing,
        ).length,
    );
  return {
    sent: samples.length,
    ok: samples.length - failed,
    failed,
    resets,
    failures,
    examples,
    byKind: count(samples, (s) => `${s.kind} ${s.keepAlive ? "keep-alive" : "close"}`),
    held: latency(held),
    outside: latency(outside),
    holds: spans.length,
    holdMs: spans,
    heldByHold,
    versions,
  };
}

// Requests that got an older version (by `order`, oldest first) than an answer that had
// already come back before they were sent: a client that saw the new version and then the
// old one again. Needs no order among answers that were in flight together, so it holds for
// an overlap switch too, where an old server may finish a request after a new one answered.
export function wentBack(samples, order) {
  const rank = (s) => order.indexOf(s.version);
  const unknown = samples.filter((s) => s.version !== undefined && rank(s) < 0);
  if (unknown.length) throw new Error(`wentBack: version ${unknown[0].version} not in ${order}`);
  const answered = samples.filter((s) => s.version !== undefined);
  const byDone = [...answered].sort((a, b) => a.doneAt - b.doneAt);
  const bySent = [...answered].sort((a, b) => a.sentAt - b.sentAt);
  const back = [];
  let newest = -1;
  let i = 0;
  for (const s of bySent) {
    while (i < byDone.length && byDone[i].doneAt < s.sentAt)
      newest = Math.max(newest, rank(byDone[i++]));
    if (rank(s) < newest) back.push(s);
  }
  return back;
}

// The report as a few lines of text for a test's output.
export function formatReport(r) {
  const ms = (x) => (x === undefined ? "-" : x.toFixed(1));
  const row = (name, l) =>
    `  ${name.padEnd(16)} ${String(l.count).padStart(6)}  p50 ${ms(l.p50)}  p99 ${ms(l.p99)}  max ${ms(l.max)} ms`;
  const kinds = Object.entries(r.byKind).map(([k, n]) => `${k} ${n}`);
  const failures = Object.entries(r.failures).map(([k, n]) => `${k} ${n}`);
  return [
    `sent ${r.sent}, ok ${r.ok}, failed ${r.failed}${failures.length ? ` (${failures.join(", ")})` : ""}, resets ${r.resets}`,
    ...Object.entries(r.examples).map(([k, text]) => `  first ${k}: ${text.trim()}`),
    `  mix: ${kinds.join(", ")}`,
    `  holds: ${r.holds} (${r.holdMs.map((x) => x.toFixed(0)).join(", ")} ms seen from the client; ` +
      `held at once: ${r.heldByHold.join(", ")})`,
    row("during a hold", r.held),
    row("outside holds", r.outside),
    `  versions in answer order: ${r.versions.join(" → ")}`,
  ].join("\n");
}

function latency(samples) {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const rank = (p) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted.at(-1) };
}

function count(items, key) {
  const out = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

// A small seeded generator, so a run's mix can be repeated exactly.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
