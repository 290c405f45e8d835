// The gateway's modern front (2026-07-28 clients), side by side with the 2025 path against the same
// Archon-like fixture: tools/call latency of a v2 client pinned to 2026-07-28 through the gateway, of a
// 2025 client through the gateway and of a 2025 client direct; client-visible errors of the modern
// client over 20 restarts; and what loading the lazily bundled front (dist/modern-front.js) costs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { freePort, startServer, type RunningServer } from '../test/helpers/servers';
import { startProxyCli, type CliProcess } from './cli-process';
import { killAndRestart } from './gateway';
import { printMetrics, median, percentile, round, type Metrics } from './stats';

const ROOT = join(__dirname, '..');
const ROUNDS = 10;
const CALLS_PER_ROUND = 100;
const RESTARTS = 20;

type Call = () => Promise<unknown>;

async function legacy(url: string): Promise<{ call: Call; close: () => Promise<void> }> {
  const client = new LegacyClient({ name: 'bench-2025', version: '1.0.0' });
  client.onerror = () => undefined;
  await client.connect(new LegacyTransport(new URL(url)));
  return { call: () => client.callTool({ name: 'test_read', arguments: {} }), close: () => client.close() };
}

async function modern(url: string): Promise<{ call: Call; close: () => Promise<void> }> {
  const client = new Client(
    { name: 'bench-2026', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.onerror = () => undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    call: () => client.callTool({ name: 'test_read', arguments: {} }, { timeout: 30_000 }),
    close: () => client.close(),
  };
}

/** Sequential calls, the three routes interleaved round by round so drift hits all alike. */
async function latency(routes: Call[]): Promise<number[][]> {
  for (let i = 0; i < 100; i++) await Promise.all(routes.map((c) => c())); // warm-up
  const out = routes.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, call] of routes.entries()) {
      for (let n = 0; n < CALLS_PER_ROUND; n++) {
        const t = performance.now();
        await call();
        out[i].push(performance.now() - t);
      }
    }
  }
  return out;
}

async function chaos(fx: RunningServer, call: Call): Promise<{ errors: number; calls: number }> {
  let done = false;
  let errors = 0;
  let calls = 0;
  const loop = (async () => {
    while (!done) {
      await call().catch(() => errors++);
      calls++;
    }
  })();
  await killAndRestart(fx, RESTARTS);
  done = true;
  await loop;
  return { errors, calls };
}

/** Milliseconds to require the front's bundle in a fresh Node process (median of 5). */
function frontLoadMs(): number {
  const bundle = join(ROOT, 'dist', 'modern-front.js');
  if (!existsSync(bundle)) return Number.NaN;
  const script = `const t=performance.now();require(${JSON.stringify(bundle)});process.stdout.write(String(performance.now()-t))`;
  return median(
    Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))),
  );
}

export async function benchModernGateway(): Promise<Metrics> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-modern-'));
  const fx = await startServer('fixture', { testTools: true });
  let gateway: CliProcess | undefined;
  try {
    const gw = await startProxyCli(fx.url, await freePort(), dir);
    gateway = gw.proc;
    const direct = await legacy(fx.url);
    const via2025 = await legacy(gw.url);
    const via2026 = await modern(gw.url);
    const [d, l, m] = await latency([direct.call, via2025.call, via2026.call]);
    const restarts = await chaos(fx, via2026.call);
    await Promise.all([direct.close(), via2025.close(), via2026.close()].map((p) => p.catch(() => undefined)));
    return {
      modern_p50_overhead_ms: { value: round(percentile(m, 50) - percentile(d, 50), 3), unit: 'ms' },
      modern_p99_overhead_ms: { value: round(percentile(m, 99) - percentile(d, 99), 3), unit: 'ms' },
      modern_vs_2025_p50_ms: { value: round(percentile(m, 50) - percentile(l, 50), 3), unit: 'ms' },
      gateway_2025_p50_overhead_ms: { value: round(percentile(l, 50) - percentile(d, 50), 3), unit: 'ms' },
      modern_chaos_client_errors: { value: restarts.errors, unit: 'count' },
      modern_chaos_client_calls: { value: restarts.calls, unit: 'count' },
      modern_front_load_ms: { value: round(frontLoadMs(), 1), unit: 'ms' },
    };
  } finally {
    await gateway?.kill('SIGTERM');
    await fx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  printMetrics(benchModernGateway);
}
