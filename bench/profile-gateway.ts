// Where the gateway's per-request time goes: the proxy CLI (dist/cli.js, or BENCH_GATEWAY_CLI) runs
// under `node --cpu-prof` while 16 of the gateway bench's clients call through it for PROFILE_MS (v1
// clients and the Archon-like fixture; PROFILE_ERA=2026: 2026-07-28 clients and upstream); then the
// profile's self time is summed by function and by package and printed (the .cpuprofile is kept for
// Chrome DevTools). Not part of `npm run bench`:
//   node --import tsx bench/profile-gateway.ts [outDir]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer } from '../test/helpers/servers';
import { CLI_BUNDLE, startProxyCli } from './cli-process';
import { connect2025, connect2026 } from './gateway';

const CLIENTS = 16;
const PROFILE_MS = Number(process.env.PROFILE_MS ?? 8000);
/** `2026`: v2 clients pinned to 2026-07-28 against the 2026-07-28-only fixture (find_projects) instead. */
const MODERN = process.env.PROFILE_ERA === '2026';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Self time (ms) by key, from a V8 .cpuprofile. */
function selfTimes(p: Profile, key: (n: ProfileNode) => string): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const k = key(byId.get(id)!);
    out.set(k, (out.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...out].sort((a, b) => b[1] - a[1]);
}

/** The package (node_modules/<name>) or area of a frame, from a bundle's source-mapped-less URL and name. */
const areaOf = (n: ProfileNode): string => {
  const url = n.callFrame.url;
  if (!url) return `(${n.callFrame.functionName || 'native'})`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^.*\//, '');
};

async function main(): Promise<void> {
  const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'gateway-prof-'));
  const fx = await startServer(MODERN ? 'modern' : 'fixture', { testTools: true });
  process.env.BENCH_CLI_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${out}`;
  const gw = await startProxyCli(fx.url, await freePort(), join(out, 'state'), [], process.env.BENCH_GATEWAY_CLI ?? CLI_BUNDLE);
  // The bench's clients: each lists tools first, so the gateway learns that the call is read-only.
  const connect = MODERN ? connect2026 : connect2025;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect(gw.url)));
  let calls = 0;
  const end = performance.now() + PROFILE_MS;
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < end) {
      await c.call();
      calls++;
    }
  }));
  await Promise.all(clients.map((c) => c.close()));
  await gw.proc.kill('SIGTERM');
  await fx.stop();
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${out}: did the gateway exit normally on SIGTERM?`);
  const profile = JSON.parse(readFileSync(join(out, file), 'utf8')) as Profile;
  const total = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
  const idle = selfTimes(profile, (n) => n.callFrame.functionName).find(([k]) => k === '(idle)')?.[1] ?? 0;
  const busy = total - idle;
  process.stdout.write(`${calls} calls in ${PROFILE_MS} ms; profile ${round(total)} ms, busy ${round(busy)} ms = ${round((busy / calls) * 1000)} µs per call\n`);
  const show = (title: string, rows: [string, number][]) => {
    process.stdout.write(`\n${title} (self ms, % of busy, µs/call)\n`);
    for (const [k, ms] of rows.filter(([k]) => k !== '(idle)').slice(0, 25)) {
      process.stdout.write(`${ms.toFixed(0).padStart(7)} ${((ms / busy) * 100).toFixed(1).padStart(5)}% ${((ms / calls) * 1000).toFixed(1).padStart(7)}  ${k}\n`);
    }
  };
  show('by file', selfTimes(profile, areaOf));
  show('by function', selfTimes(profile, (n) => `${n.callFrame.functionName || '(anonymous)'} ${areaOf(n)}:${n.callFrame.lineNumber + 1}`));
  process.stdout.write(`\nprofile: ${join(out, file)}\n`);
}

const round = (n: number) => Math.round(n);

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
