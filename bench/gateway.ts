// Gateway benchmarks, side by side in one run against the same Archon-like fixture:
// tools/call latency overhead (p50/p99), throughput ratio with 16 concurrent clients, and
// client-visible errors over 20 restarts via the gateway and with a direct connection.
// The gateway runs as its own process (the CLI: dist/cli.js when built, else the sources via tsx).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, startServer, type RunningServer } from '../test/helpers/servers';
import { percentile, round, sleep, type Metrics } from './stats';

const ROOT = join(__dirname, '..');
const LATENCY_ROUNDS = 10;
const LATENCY_CALLS_PER_ROUND = 100;
const THROUGHPUT_CLIENTS = 16;
const THROUGHPUT_MS = 3000;
const CHAOS_RESTARTS = 20;

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  client.onerror = () => undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const readCall = (c: Client) => c.callTool({ name: 'test_read', arguments: {} });

export async function startGatewayProcess(upstream: string, stateDir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const built = join(ROOT, 'dist', 'cli.js');
  const args = existsSync(built) ? [built] : ['--import', 'tsx', join(ROOT, 'src', 'cli.ts')];
  const child = spawn(process.execPath, [...args, 'proxy', '--json', '--upstream', upstream, '--port', String(port), '--state-dir', stateDir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the gateway did not start')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(String((JSON.parse(line) as { url: string }).url));
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code})`)));
  });
  child.stdout!.resume();
  return { url, child };
}

/** Sequential tools/call latency, alternating direct and gateway rounds so drift hits both alike. */
async function latency(direct: Client, via: Client): Promise<{ d: number[]; g: number[] }> {
  for (let i = 0; i < 100; i++) await Promise.all([readCall(direct), readCall(via)]); // warm-up
  const d: number[] = [];
  const g: number[] = [];
  for (let r = 0; r < LATENCY_ROUNDS; r++) {
    for (const [client, out] of [[direct, d], [via, g]] as const) {
      for (let i = 0; i < LATENCY_CALLS_PER_ROUND; i++) {
        const t = performance.now();
        await readCall(client);
        out.push(performance.now() - t);
      }
    }
  }
  return { d, g };
}

async function throughput(url: string): Promise<number> {
  const clients = await Promise.all(Array.from({ length: THROUGHPUT_CLIENTS }, () => connect(url)));
  let calls = 0;
  const end = performance.now() + THROUGHPUT_MS;
  const start = performance.now();
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < end) {
      await readCall(c);
      calls++;
    }
  }));
  const rate = calls / ((performance.now() - start) / 1000);
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  return rate;
}

/**
 * Calls run back to back while the fixture is killed and restarted CHAOS_RESTARTS times.
 * `reconnect` (direct connection): after an error the client reconnects, as a person would.
 */
async function chaos(fx: RunningServer, url: string, reconnect: boolean): Promise<{ errors: number; calls: number }> {
  let client = await connect(url);
  let done = false;
  let errors = 0;
  let calls = 0;
  const loop = (async () => {
    while (!done) {
      try {
        await client.callTool({ name: 'test_read', arguments: {} }, undefined, { timeout: 30_000 });
      } catch {
        errors++;
        if (reconnect) {
          await client.close().catch(() => undefined);
          for (;;) {
            try {
              client = await connect(url);
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
  for (let n = 0; n < CHAOS_RESTARTS; n++) {
    await sleep(150 + Math.random() * 200);
    await fx.kill('SIGKILL');
    await sleep(50 + Math.random() * 150);
    await fx.restart();
  }
  await sleep(300);
  done = true;
  await loop;
  await client.close().catch(() => undefined);
  return { errors, calls };
}

export async function benchGateway(): Promise<Metrics> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const fx = await startServer('fixture', { testTools: true });
  let gateway: ChildProcess | undefined;
  try {
    const gw = await startGatewayProcess(fx.url, dir);
    gateway = gw.child;
    const direct = await connect(fx.url);
    const via = await connect(gw.url);
    await Promise.all([direct.listTools(), via.listTools()]);
    const { d, g } = await latency(direct, via);
    await Promise.all([direct.close(), via.close()]);
    const directRate = await throughput(fx.url);
    const gatewayRate = await throughput(gw.url);
    const viaGateway = await chaos(fx, gw.url, false);
    const directChaos = await chaos(fx, fx.url, true);
    return {
      gateway_p50_overhead_ms: { value: round(percentile(g, 50) - percentile(d, 50), 3), unit: 'ms' },
      gateway_p99_overhead_ms: { value: round(percentile(g, 99) - percentile(d, 99), 3), unit: 'ms' },
      gateway_p50_direct_ms: { value: round(percentile(d, 50), 3), unit: 'ms' },
      gateway_throughput_ratio: { value: round(gatewayRate / directRate, 3), unit: 'ratio' },
      gateway_throughput_calls_s: { value: round(gatewayRate, 0), unit: '1/s' },
      chaos_client_errors: { value: viaGateway.errors, unit: 'count' },
      chaos_client_calls: { value: viaGateway.calls, unit: 'count' },
      chaos_client_errors_direct: { value: directChaos.errors, unit: 'count' },
    };
  } finally {
    gateway?.kill('SIGTERM');
    await fx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchGateway().then((m) => {
    process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
    process.exit(0);
  }, (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
