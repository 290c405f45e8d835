// The stdio supervisor (dist/cli.js `stdio -- <command>`) against the same client spawning the server
// directly, same run, both client eras (v1 SDK, v2): tools/call latency overhead, and the time from a
// SIGKILL of the server to the first answered call (respawn), beside the server's own start time.
import { join } from 'node:path';
import { supervise, readState, type Era, type Supervised } from '../test/stdio/util';
import { printMetrics, median, percentile, round, sleep, type Metrics } from './stats';

const ROUNDS = 10;
const CALLS_PER_ROUND = 100;
const RESPAWNS = 10;
const SERVER = [
  'node',
  join(__dirname, '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js'),
  'stdio',
];

const echo = (s: Supervised) => s.client.callTool({ name: 'echo', arguments: { message: 'bench' } });

async function overhead(era: Era): Promise<{ direct: number; supervised: number }> {
  const direct = await supervise(SERVER, { era, direct: true });
  const supervised = await supervise(SERVER, { era, cliArgs: ['--quiet'] });
  try {
    const pair = [direct, supervised];
    for (let i = 0; i < 200; i++) for (const s of pair) await echo(s); // warm-up
    const samples: number[][] = [[], []];
    for (let r = 0; r < ROUNDS; r++) {
      for (const [k, s] of pair.entries()) {
        for (let i = 0; i < CALLS_PER_ROUND; i++) {
          const t = performance.now();
          await echo(s);
          samples[k].push(performance.now() - t);
        }
      }
    }
    return { direct: percentile(samples[0], 50), supervised: percentile(samples[1], 50) };
  } finally {
    await Promise.all([direct.close(), supervised.close()]);
  }
}

/** The server's own start: spawn to an answered initialize plus one call, the client spawning it directly. */
async function serverStartMs(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RESPAWNS; i++) {
    const t = performance.now();
    const s = await supervise(SERVER, { direct: true });
    await echo(s);
    samples.push(performance.now() - t);
    await s.close();
  }
  return median(samples);
}

async function respawnMs(): Promise<number> {
  const s = await supervise(SERVER, { cliArgs: ['--quiet'] });
  const samples: number[] = [];
  try {
    await echo(s);
    for (let i = 0; i < RESPAWNS; i++) {
      const pid = await s.serverPid();
      await sleep(2_100); // a stable run: the next restart is the immediate one a first crash gets
      const t = performance.now();
      process.kill(pid, 'SIGKILL');
      await echo(s);
      samples.push(performance.now() - t);
      if (readState(s.stateDir)?.serverPid === pid) await s.serverPid(pid);
    }
  } finally {
    await s.close();
  }
  return median(samples);
}

export async function benchStdioSupervised(): Promise<Metrics> {
  const v1 = await overhead('v1');
  const v2 = await overhead('v2');
  const start = await serverStartMs();
  const respawn = await respawnMs();
  return {
    stdio_supervised_p50_overhead_ms: { value: round(v1.supervised - v1.direct, 3), unit: 'ms' },
    stdio_supervised_v2_p50_overhead_ms: { value: round(v2.supervised - v2.direct, 3), unit: 'ms' },
    stdio_supervised_p50_direct_ms: { value: round(v1.direct, 3), unit: 'ms' },
    stdio_server_start_ms: { value: round(start, 1), unit: 'ms' },
    stdio_respawn_ms: { value: round(respawn, 1), unit: 'ms' },
  };
}

if (require.main === module) {
  printMetrics(benchStdioSupervised);
}
