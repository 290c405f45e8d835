// Gateway benchmarks, side by side in one run against the same upstream fixture: tools/call latency
// overhead (p50/p99) and throughput ratio with 16 concurrent clients, each against a direct connection,
// and the same through a plain byte-forwarding proxy (the floor: bench/floor-proxy.ts) so the gateway's
// own cost shows apart from what any second hop costs. Rounds interleave every target (rotating the
// order) so load drift hits all alike. Then client-visible errors over 20 restarts, via the gateway
// and direct. The gateway runs as its own process (dist/cli.js `proxy`, bench/cli-process.ts).
//
// A/B: BENCH_GATEWAY_BASELINE=<another build's cli.js> adds a `baseline` gateway to the same rounds
// (metrics gateway_baseline_*), e.g. the bundle of the commit before a performance change;
// BENCH_GATEWAY_CLI=<cli.js> replaces dist/cli.js as `gateway` (swap the two to see the slots' bias).
// BENCH_GATEWAY_ROWS=gateway,gateway_2026 runs only the rows with those prefixes (all by default);
// BENCH_GATEWAY_CHAOS=0 leaves out the restart rounds (for repeated A/B runs of the latency rows).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { freePort, startServer, type RunningServer, type ServerKind } from '../test/helpers/servers';
import { pythonProblem, startPythonServer } from '../test/helpers/python';
import { CLI_BUNDLE, startProxyCli, type CliProcess } from './cli-process';
import { spawnFloorProxy } from './floor-proxy';
import { readCpuMs } from './memory';
import { printMetrics, median, percentile, round, sleep, type Metrics } from './stats';

const LATENCY_ROUNDS = 20;
const LATENCY_CALLS_PER_ROUND = 50;
const THROUGHPUT_CLIENTS = 16;
const THROUGHPUT_ROUNDS = 10;
const THROUGHPUT_ROUND_MS = 400;
const CHAOS_RESTARTS = 20;

/** Where a row's clients connect: the fixture itself, the floor proxy, the gateway, a baseline gateway build. */
type Target = 'direct' | 'floor' | 'gateway' | 'baseline';

/** One benchmark client: a tools/call that needs no arguments, and close. */
interface BenchClient {
  call(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * One row: a protocol era against its fixture, measured direct and via each of `via`. Metric names are
 * `${prefix}_…` (era 2025 keeps the names it always had: gateway_p50_overhead_ms, …).
 */
interface Row {
  prefix: string;
  fixture: ServerKind;
  connect(url: string): Promise<BenchClient>;
  via: Exclude<Target, 'direct'>[];
  /** Starts the upstream when it is not a `fixture` kind (the Python server). */
  start?: () => Promise<RunningServer>;
}

/** Era 2025: the v1 SDK client against the Archon-like fixture. */
export async function connect2025(url: string): Promise<BenchClient> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  client.onerror = () => undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  await client.listTools(); // as clients do: the gateway learns which tools are read-only
  return {
    call: () => client.callTool({ name: 'test_read', arguments: {} }, undefined, { timeout: 30_000 }),
    close: () => client.close(),
  };
}

/** Era 2026-07-28: a v2 client pinned to that revision against the modern fixture (no sessions). */
export async function connect2026(url: string): Promise<BenchClient> {
  const client = new ModernClient(
    { name: 'bench', version: '1.0.0' },
    { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.onerror = () => undefined;
  await client.connect(new ModernTransport(new URL(url)));
  if (client.getNegotiatedProtocolVersion() !== '2026-07-28')
    throw new Error(`${url} did not speak 2026-07-28 (got ${client.getNegotiatedProtocolVersion()})`);
  await client.listTools();
  return { call: () => client.callTool({ name: 'find_projects', arguments: {} }), close: () => client.close() };
}

/** The chaos rounds' fault: SIGKILL the upstream `times` times, a random pause before and after each, while calls go on. */
export async function killAndRestart(fx: RunningServer, times: number): Promise<void> {
  for (let n = 0; n < times; n++) {
    await sleep(150 + Math.random() * 200);
    await fx.kill('SIGKILL');
    await sleep(50 + Math.random() * 150);
    await fx.restart();
  }
  await sleep(300);
}

/** Era 2025 against Archon's own server library (mcp==1.12.2 FastMCP, test/fixtures/python): a bare read. */
export async function connectPython(url: string): Promise<BenchClient> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  client.onerror = () => undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  await client.listTools();
  return {
    call: () => client.callTool({ name: 'find_projects', arguments: {} }, undefined, { timeout: 30_000 }),
    close: () => client.close(),
  };
}

const BASELINE = process.env.BENCH_GATEWAY_BASELINE;
const GATEWAY_CLI = process.env.BENCH_GATEWAY_CLI || CLI_BUNDLE;
const GATEWAYS: Exclude<Target, 'direct'>[] = BASELINE ? ['gateway', 'baseline'] : ['gateway'];

const ALL_ROWS: Row[] = [
  { prefix: 'gateway', fixture: 'fixture', connect: connect2025, via: ['floor', ...GATEWAYS] },
  // A 2026-07-28 client through the gateway to a 2026-07-28-only upstream (the link speaks the modern era).
  { prefix: 'gateway_2026', fixture: 'modern', connect: connect2026, via: ['floor', ...GATEWAYS] },
  // Archon's real server library (needs `bash scripts/setup-python.sh`; left out, with a note, without it).
  ...(pythonProblem(['mcp-1.12'])
    ? (process.stderr.write(`bench gateway: no gateway_python_* row: ${pythonProblem(['mcp-1.12'])}\n`), [])
    : [
        {
          prefix: 'gateway_python',
          fixture: 'fixture' as const,
          connect: connectPython,
          via: ['floor' as const, ...GATEWAYS],
          start: () => startPythonServer('mcp-1.12'),
        },
      ]),
];
const ONLY_ROWS = process.env.BENCH_GATEWAY_ROWS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const ROWS = ONLY_ROWS?.length ? ALL_ROWS.filter((r) => ONLY_ROWS.includes(r.prefix)) : ALL_ROWS;

/**
 * The order of round r: rotated, and every other round reversed, so no target always runs first, nor
 * always right after the same other one.
 */
function rotate<T>(list: readonly T[], r: number): T[] {
  const order = list.map((_, i) => list[(i + r) % list.length]);
  return r % 2 ? order.reverse() : order;
}

/** Sequential tools/call latency, interleaving every target's rounds so drift hits all alike. */
async function latency(clients: Map<Target, BenchClient>): Promise<Map<Target, number[]>> {
  const targets = [...clients.keys()];
  for (let i = 0; i < 100; i++) await Promise.all([...clients.values()].map((c) => c.call())); // warm-up
  const out = new Map<Target, number[]>(targets.map((t) => [t, []]));
  for (let r = 0; r < LATENCY_ROUNDS; r++) {
    for (const t of rotate(targets, r)) {
      const client = clients.get(t)!;
      const samples = out.get(t)!;
      for (let i = 0; i < LATENCY_CALLS_PER_ROUND; i++) {
        const start = performance.now();
        await client.call();
        samples.push(performance.now() - start);
      }
    }
  }
  return out;
}

interface RoundResult {
  rate: number;
  calls: number;
  /** The CPU time of the process in between (direct: the fixture). */
  cpuMs?: number;
  /** The upstream fixture's CPU time, and the benchmark's own (its clients'): where the rest of the cores went. */
  upstreamCpuMs?: number;
  clientCpuMs: number;
  /** The garbage collector's pauses in the gateway in between (its memory probe), and how many scavenges. */
  gcMs?: number;
  scavenges?: number;
}

const cpuSpent = async (pid: number | undefined, before: number | undefined) => {
  const after = pid === undefined || before === undefined ? undefined : await readCpuMs(pid);
  return after === undefined || before === undefined ? undefined : after - before;
};

/** THROUGHPUT_CLIENTS clients calling back to back for one round; `pid`'s and the upstream's CPU time meanwhile. */
async function throughputRound(
  clients: BenchClient[],
  pid: number | undefined,
  upstreamPid?: number,
  probe?: CliProcess,
): Promise<RoundResult> {
  let calls = 0;
  const gcBefore = await probe?.heap().catch(() => undefined);
  const cpuBefore = pid === undefined ? undefined : await readCpuMs(pid);
  const upstreamBefore = upstreamPid === undefined ? undefined : await readCpuMs(upstreamPid);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + THROUGHPUT_ROUND_MS;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        await c.call();
        calls++;
      }
    }),
  );
  const rate = calls / ((performance.now() - start) / 1000);
  const client = process.cpuUsage(clientBefore);
  const cpuMs = await cpuSpent(pid, cpuBefore);
  const upstreamCpuMs = await cpuSpent(upstreamPid, upstreamBefore);
  const gcAfter = gcBefore && (await probe?.heap().catch(() => undefined));
  const gc =
    gcBefore?.gcMs !== undefined && gcAfter?.gcMs !== undefined
      ? { gcMs: gcAfter.gcMs - gcBefore.gcMs, scavenges: (gcAfter.scavenges ?? 0) - (gcBefore.scavenges ?? 0) }
      : {};
  return { rate, calls, cpuMs, upstreamCpuMs, clientCpuMs: (client.user + client.system) / 1000, ...gc };
}

/** Each target's rounds, interleaved (the clients of every target stay connected). */
async function throughput(
  row: Row,
  urls: Map<Target, string>,
  pids: Map<Target, number>,
  probes: Map<Target, CliProcess>,
): Promise<Map<Target, RoundResult[]>> {
  const targets = [...urls.keys()];
  const pools = new Map<Target, BenchClient[]>();
  try {
    for (const t of targets)
      pools.set(t, await Promise.all(Array.from({ length: THROUGHPUT_CLIENTS }, () => row.connect(urls.get(t)!))));
    for (const t of targets) await throughputRound(pools.get(t)!, undefined); // warm-up
    const out = new Map<Target, RoundResult[]>(targets.map((t) => [t, []]));
    for (let r = 0; r < THROUGHPUT_ROUNDS; r++) {
      for (const t of rotate(targets, r))
        out
          .get(t)!
          .push(
            await throughputRound(
              pools.get(t)!,
              pids.get(t),
              t === 'direct' ? undefined : pids.get('direct'),
              probes.get(t),
            ),
          );
    }
    return out;
  } finally {
    await Promise.all([...pools.values()].flat().map((c) => c.close().catch(() => undefined)));
  }
}

/** CPU µs per call of a process over its rounds (by default the one in between; the upstream fixture's for direct). */
function cpuPerCall(
  rounds: readonly RoundResult[],
  whose: (r: RoundResult) => number | undefined = (r) => r.cpuMs,
): number | undefined {
  if (rounds.some((r) => whose(r) === undefined)) return undefined;
  const calls = rounds.reduce((s, r) => s + r.calls, 0);
  return calls ? (rounds.reduce((s, r) => s + whose(r)!, 0) * 1000) / calls : undefined;
}

/** The metric names of a target's numbers in a row: gateway_p50_overhead_ms, gateway_floor_…, gateway_baseline_…. */
const nameOf = (row: Row, t: Exclude<Target, 'direct'>, metric: string) =>
  `${row.prefix}${t === 'gateway' ? '' : `_${t}`}_${metric}`;

async function benchRow(
  row: Row,
  dir: string,
  after?: (fx: RunningServer, gatewayUrl: string) => Promise<Metrics>,
): Promise<Metrics> {
  const fx = row.start ? await row.start() : await startServer(row.fixture, { testTools: true });
  const stops: (() => Promise<void>)[] = [];
  try {
    const urls = new Map<Target, string>([['direct', fx.url]]);
    // Whose CPU a target's rounds cost: the proxy in between (direct: the fixture, for scale).
    const pids = new Map<Target, number>([['direct', fx.pid]]);
    // The gateways' memory probes (bench/memory-probe.mjs): their GC pauses per call.
    const probes = new Map<Target, CliProcess>();
    for (const t of row.via) {
      if (t === 'floor') {
        const floor = await spawnFloorProxy(fx.url);
        stops.push(() => floor.close());
        urls.set(t, floor.url);
        pids.set(t, floor.pid);
      } else {
        const gw = await startProxyCli(
          fx.url,
          await freePort(),
          join(dir, `${row.prefix}-${t}`),
          [],
          t === 'baseline' ? BASELINE : GATEWAY_CLI,
        );
        stops.push(() => gw.proc.kill('SIGTERM'));
        urls.set(t, gw.url);
        pids.set(t, gw.proc.pid);
        probes.set(t, gw.proc);
      }
    }
    const clients = new Map<Target, BenchClient>();
    for (const [t, url] of urls) clients.set(t, await row.connect(url));
    const lat = await latency(clients);
    await Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined)));
    const rounds = await throughput(row, urls, pids, probes);
    const d = lat.get('direct')!;
    const direct = rounds.get('direct')!;
    const m: Metrics = { [`${row.prefix}_p50_direct_ms`]: { value: round(percentile(d, 50), 3), unit: 'ms' } };
    const fixtureCpu = cpuPerCall(direct);
    if (fixtureCpu !== undefined)
      m[`${row.prefix}_upstream_cpu_us_per_call`] = { value: round(fixtureCpu, 0), unit: 'µs' };
    // Where the two cores go: the benchmark's clients, per call, direct and through each hop.
    m[`${row.prefix}_direct_client_cpu_us_per_call`] = {
      value: round(cpuPerCall(direct, (r) => r.clientCpuMs)!, 0),
      unit: 'µs',
    };
    const p50Overhead = new Map<Target, number>();
    for (const t of row.via) {
      const g = lat.get(t)!;
      const mine = rounds.get(t)!;
      p50Overhead.set(t, percentile(g, 50) - percentile(d, 50));
      m[nameOf(row, t, 'p50_overhead_ms')] = { value: round(p50Overhead.get(t)!, 3), unit: 'ms' };
      m[nameOf(row, t, 'p99_overhead_ms')] = { value: round(percentile(g, 99) - percentile(d, 99), 3), unit: 'ms' };
      m[nameOf(row, t, 'throughput_ratio')] = {
        value: round(median(mine.map((r, i) => r.rate / direct[i].rate)), 3),
        unit: 'ratio',
      };
      m[nameOf(row, t, 'throughput_calls_s')] = { value: round(median(mine.map((r) => r.rate)), 0), unit: '1/s' };
      const cpu = cpuPerCall(mine);
      if (cpu !== undefined) m[nameOf(row, t, 'cpu_us_per_call')] = { value: round(cpu, 0), unit: 'µs' };
      const upstreamCpu = cpuPerCall(mine, (r) => r.upstreamCpuMs);
      if (upstreamCpu !== undefined)
        m[nameOf(row, t, 'upstream_cpu_us_via')] = { value: round(upstreamCpu, 0), unit: 'µs' };
      const gcUs = cpuPerCall(mine, (r) => r.gcMs);
      if (gcUs !== undefined) {
        m[nameOf(row, t, 'gc_us_per_call')] = { value: round(gcUs, 1), unit: 'µs' };
        const scavenges = mine.reduce((n, r) => n + (r.scavenges ?? 0), 0);
        const calls = mine.reduce((n, r) => n + r.calls, 0);
        m[nameOf(row, t, 'calls_per_scavenge')] = {
          value: round(scavenges ? calls / scavenges : calls, 0),
          unit: 'count',
        };
      }
      m[nameOf(row, t, 'client_cpu_us_per_call')] = {
        value: round(cpuPerCall(mine, (r) => r.clientCpuMs)!, 0),
        unit: 'µs',
      };
    }
    // The gateway's overhead in floors: what it costs per call beyond what any proxy costs.
    const floorOverhead = p50Overhead.get('floor');
    for (const t of ['gateway', 'baseline'] as const) {
      const o = p50Overhead.get(t);
      if (o !== undefined && floorOverhead !== undefined)
        m[nameOf(row, t, 'floor_ratio')] = { value: round(o / floorOverhead, 2), unit: 'ratio' };
    }
    const gatewayUrl = urls.get('gateway');
    if (after && gatewayUrl) Object.assign(m, await after(fx, gatewayUrl));
    return m;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await fx.stop();
  }
}

/**
 * Calls run back to back while the fixture is killed and restarted CHAOS_RESTARTS times.
 * `reconnect` (direct connection): after an error the client reconnects, as a person would.
 */
async function chaos(fx: RunningServer, url: string, reconnect: boolean): Promise<{ errors: number; calls: number }> {
  let client = await connect2025(url);
  let done = false;
  let errors = 0;
  let calls = 0;
  const loop = (async () => {
    while (!done) {
      try {
        await client.call();
      } catch {
        errors++;
        if (reconnect) {
          await client.close().catch(() => undefined);
          for (;;) {
            try {
              client = await connect2025(url);
              break;
            } catch {
              await sleep(100);
            }
          }
        }
      }
      calls++;
    }
  })();
  await killAndRestart(fx, CHAOS_RESTARTS);
  done = true;
  await loop;
  await client.close().catch(() => undefined);
  return { errors, calls };
}

export async function benchGateway(): Promise<Metrics> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const results: Metrics = {};
  try {
    const withChaos = process.env.BENCH_GATEWAY_CHAOS !== '0';
    for (const row of ROWS)
      Object.assign(
        results,
        await benchRow(row, dir, row.prefix === 'gateway' && withChaos ? chaosMetrics : undefined),
      );
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Restarts, era 2025 only (the modern era has no sessions to lose). */
async function chaosMetrics(fx: RunningServer, gatewayUrl: string): Promise<Metrics> {
  const viaGateway = await chaos(fx, gatewayUrl, false);
  const directChaos = await chaos(fx, fx.url, true);
  return {
    chaos_client_errors: { value: viaGateway.errors, unit: 'count' },
    chaos_client_calls: { value: viaGateway.calls, unit: 'count' },
    chaos_client_errors_direct: { value: directChaos.errors, unit: 'count' },
  };
}

if (require.main === module) {
  printMetrics(benchGateway);
}
