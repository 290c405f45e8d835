// Where the gateway's per-request time goes: the proxy CLI (dist/cli.js, or BENCH_GATEWAY_CLI) runs
// under `node --cpu-prof` while 16 (PROFILE_CLIENTS) of the gateway bench's clients call through it (v1 clients and the
// Archon-like fixture; PROFILE_ERA=2026: 2026-07-28 clients and upstream). Only the steady state
// counts: PROFILE_WARMUP_MS of calls first (startup, JIT), then PROFILE_MS measured; the profile's
// samples in that window are summed by file and by function, self and inclusive (a function's time
// with everything it called), in µs per call. The .cpuprofile is kept for Chrome DevTools; build with
// `npm run build` (not build:prod) for readable function names. Not part of `npm run bench`:
//   node --import tsx bench/profile-gateway.ts [outDir]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer } from '../test/helpers/servers';
import { CLI_BUNDLE, startProxyCli } from './cli-process';
import { connect2025, connect2026 } from './gateway';

/** PROFILE_CLIENTS=1: one client calling back to back (the latency rounds' shape). */
const CLIENTS = Number(process.env.PROFILE_CLIENTS ?? 16);
const PROFILE_MS = Number(process.env.PROFILE_MS ?? 8000);
const WARMUP_MS = Number(process.env.PROFILE_WARMUP_MS ?? 2000);
/** How many rows each table shows. */
const TOP = Number(process.env.PROFILE_TOP ?? 25);
/** `2026`: v2 clients pinned to 2026-07-28 against the 2026-07-28-only fixture (find_projects) instead. */
const MODERN = process.env.PROFILE_ERA === '2026';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** The package (node_modules/<name>) or area of a frame, from a bundle's source-mapped-less URL and name. */
const areaOf = (n: ProfileNode): string => {
  const url = n.callFrame.url;
  if (!url) return `(${n.callFrame.functionName || 'native'})`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^.*\//, '');
};
const frameOf = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${areaOf(n)}:${n.callFrame.lineNumber + 1}`;
const isIdle = (n: ProfileNode): boolean => n.callFrame.functionName === '(idle)';

interface Sums {
  busyMs: number;
  self: Map<string, number>;
  inclusive: Map<string, number>;
  byFile: Map<string, number>;
}

/**
 * Self and inclusive time (ms) by frame of the non-idle samples in [fromUs, toUs] (V8's clock: the
 * monotonic one process.hrtime reads, in µs). A sample's time is the delta to the next sample.
 */
function sums(p: Profile, fromUs: number, toUs: number): Sums {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out: Sums = { busyMs: 0, self: new Map(), inclusive: new Map(), byFile: new Map() };
  const add = (m: Map<string, number>, k: string, ms: number) => m.set(k, (m.get(k) ?? 0) + ms);
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || t < fromUs || t > toUs || isIdle(node)) return;
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
    out.busyMs += ms;
    add(out.self, frameOf(node), ms);
    add(out.byFile, areaOf(node), ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = frameOf(byId.get(cur)!);
      if (!seen.has(k)) add(out.inclusive, k, ms);
      seen.add(k);
    }
  });
  return out;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'gateway-prof-'));
  const fx = await startServer(MODERN ? 'modern' : 'fixture', { testTools: true });
  process.env.BENCH_CLI_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${out} --cpu-prof-interval=${process.env.PROFILE_INTERVAL_US ?? 1000}`;
  const gw = await startProxyCli(
    fx.url,
    await freePort(),
    join(out, 'state'),
    [],
    process.env.BENCH_GATEWAY_CLI ?? CLI_BUNDLE,
  );
  // The bench's clients: each lists tools first, so the gateway learns that the call is read-only.
  const connect = MODERN ? connect2026 : connect2025;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect(gw.url)));
  let calls = 0;
  let measuring = false;
  const started = performance.now();
  const end = started + WARMUP_MS + PROFILE_MS;
  let fromUs = 0;
  const switchOn = setTimeout(() => {
    measuring = true;
    fromUs = nowUs();
  }, WARMUP_MS);
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        await c.call();
        if (measuring) calls++;
      }
    }),
  );
  clearTimeout(switchOn);
  const toUs = nowUs();
  await Promise.all(clients.map((c) => c.close()));
  await gw.proc.kill('SIGTERM');
  await fx.stop();
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${out}: did the gateway exit normally on SIGTERM?`);
  const profile = JSON.parse(readFileSync(join(out, file), 'utf8')) as Profile;
  const s = sums(profile, fromUs, toUs);
  const windowMs = (toUs - fromUs) / 1000;
  process.stdout.write(
    `${calls} calls in the ${round(windowMs)} ms window (after ${WARMUP_MS} ms of warm-up); busy ${round(s.busyMs)} ms = ${round((s.busyMs / calls) * 1000)} µs per call\n`,
  );
  const show = (title: string, m: Map<string, number>) => {
    process.stdout.write(`\n${title} (ms, % of busy, µs/call)\n`);
    for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
      process.stdout.write(
        `${ms.toFixed(0).padStart(7)} ${((ms / s.busyMs) * 100).toFixed(1).padStart(5)}% ${((ms / calls) * 1000).toFixed(1).padStart(7)}  ${k}\n`,
      );
    }
  };
  show('self, by file', s.byFile);
  show('self, by function', s.self);
  show('inclusive, by function', s.inclusive);
  process.stdout.write(`\nprofile: ${join(out, file)}\n`);
}

const round = (n: number) => Math.round(n);

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
