// `npm run chaos`: the gateway CLI (`proxy`) and the monitor CLI (`watch --container`) from dist/cli.js
// against the Archon-like fixture in a REAL Docker container, under steady calls (a non-idempotent
// write 10 times a second and back-to-back reads, through the gateway), while faults hit in a shuffled
// order: 50 restarts, 5 OOM kills, 3 freezes (SIGSTOP 10 s), 2 Docker daemon restarts, 10 health flaps
// and 3 gateway SIGKILLs (same port and state dir). The server counts every write by key, so the run
// reports lost calls, duplicated writes, ambiguous answers (each matched to the fault it happened in)
// and crashes. A table on stdout, one JSON summary in chaos-results.json. Measures only: exits 0
// whatever it found, 1 when the run itself broke.
//
//   CHAOS_SCALE=0.1 npm run chaos        (each count scaled, at least 1 of each kind)
//   CHAOS_RESTARTS, CHAOS_OOM_KILLS, CHAOS_FREEZES, CHAOS_DAEMON_RESTARTS, CHAOS_HEALTH_FLAPS,
//   CHAOS_GATEWAY_KILLS (override one count), CHAOS_FREEZE_SECONDS (10), CHAOS_WRITES_PER_SECOND (10),
//   CHAOS_SEED (the order of the faults), CHAOS_GATEWAY_CONTAINER=1 (the gateway also watches the
//   container, `proxy --container`: a death holds requests at once)
//
// It takes /tmp/archon-docker.lock itself for the whole run (other Docker tests wait): do not wrap it
// in another `flock` on that file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { executions, textOf } from '../test/gateway/util';
import {
  abortPendingToolCalls,
  engineProblem,
  removeContainer,
  runFixtureContainer,
  type FixtureContainer,
} from '../test/helpers/docker';
import { freePort } from '../test/helpers/servers';
import { countContainerEvents, FAULT_KINDS, FULL_COUNTS, runFault, type FaultKind } from './chaos-faults';
import { lineType, startCli, startProxyCli, type CliProcess } from './cli-process';
import { round, sleep } from './stats';

const LOCK = '/tmp/archon-docker.lock';
const CONTAINER = 'archon-mcp-doctor-test-chaos';
const CALL_TIMEOUT_MS = 90_000;
const MAX_WRITES_IN_FLIGHT = 200;
/** An answer that came this long after a fault's end still counts as caused by it. */
const SLACK_MS = 2000;

const COUNT_ENV: Record<FaultKind, string> = {
  restart: 'CHAOS_RESTARTS',
  'oom-kill': 'CHAOS_OOM_KILLS',
  freeze: 'CHAOS_FREEZES',
  'daemon-restart': 'CHAOS_DAEMON_RESTARTS',
  'health-flap': 'CHAOS_HEALTH_FLAPS',
  'gateway-kill': 'CHAOS_GATEWAY_KILLS',
};

function num(env: string, fallback: number, { allowZero = false } = {}): number {
  const raw = process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new Error(`${env} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`);
  return n;
}

/** mulberry32: a seeded order, so a run that found something can be repeated. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** refused: the gateway was down, the call provably never left the client; no-answer: reset mid-call or timed out. */
type Outcome = 'ok' | 'ambiguous' | 'failed' | 'refused' | 'no-answer';
/** Issue 12's target names a write tool without annotations: the gateway cannot know it is safe to repeat. */
const WRITE_TOOL = 'test_write_unannotated';

interface CallRecord {
  tool: typeof WRITE_TOOL | 'test_read';
  key?: string;
  sentAt: number;
  doneAt: number;
  outcome: Outcome;
  message?: string;
}
interface FaultRecord {
  kind: FaultKind;
  n: number;
  startAt: number;
  breakAt: number;
  endAt: number;
  skipped?: string;
  error?: string;
}

function classify(err: unknown): { outcome: Outcome; message: string } {
  const message = String((err as Error)?.message ?? err);
  if (/may or may not have run/i.test(message)) return { outcome: 'ambiguous', message };
  // A JSON-RPC error from the gateway is an answer; anything else (reset, refused, timeout) is not.
  if (typeof (err as { code?: unknown })?.code === 'number' && (err as { code: number }).code !== -32001)
    return { outcome: 'failed', message };
  if ((err as { cause?: { code?: string } })?.cause?.code === 'ECONNREFUSED') return { outcome: 'refused', message };
  return { outcome: 'no-answer', message };
}

async function connect(url: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  client.onerror = () => undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function main(): Promise<void> {
  const problem = await engineProblem();
  if (problem) throw new Error(`chaos needs a Docker engine: ${problem}`);
  const scale = num('CHAOS_SCALE', 1);
  const counts = Object.fromEntries(
    FAULT_KINDS.map((k) => [
      k,
      Math.round(num(COUNT_ENV[k], Math.max(1, Math.ceil(FULL_COUNTS[k] * scale)), { allowZero: true })),
    ]),
  ) as Record<FaultKind, number>;
  const freezeMs = num('CHAOS_FREEZE_SECONDS', 10) * 1000;
  const writesPerSecond = num('CHAOS_WRITES_PER_SECOND', 10);
  const seed = num('CHAOS_SEED', 12, { allowZero: true });
  const gatewayWatchesContainer = process.env.CHAOS_GATEWAY_CONTAINER === '1';
  const proxyExtra = gatewayWatchesContainer ? ['--container', CONTAINER] : [];
  const plan = shuffled(
    FAULT_KINDS.flatMap((k) => Array.from({ length: counts[k] }, () => k)),
    seed,
  );
  process.stderr.write(
    `chaos: ${plan.length} faults ${JSON.stringify(counts)}, seed ${seed}${gatewayWatchesContainer ? ', the gateway watches the container' : ''}\n`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
  const stateDir = join(dir, 'gateway-state');
  let fx: FixtureContainer | undefined;
  let gateway: CliProcess | undefined;
  let watch: CliProcess | undefined;
  const crashes: { process: string; at: string; exit: string; stderr: string }[] = [];
  const events = countContainerEvents(CONTAINER);
  const startedAt = Date.now();
  try {
    fx = await runFixtureContainer({
      name: CONTAINER,
      memoryMb: 64,
      restartPolicy: 'unless-stopped',
      stopTimeoutSeconds: 1,
      healthIntervalMs: 1000,
      healthRetries: 2,
      env: { FIXTURE_TEST_TOOLS: '1', FIXTURE_STATE_FILE: '/tmp/executions.jsonl' },
    });
    const port = await freePort();
    let expectedGatewayExit = false;
    // A process under test that exits on its own is a crash: counted, then started again so the run goes on.
    const superviseGateway = (p: CliProcess) =>
      void p.exited.then(async (e) => {
        if (expectedGatewayExit || stopping) return;
        crashes.push({
          process: 'proxy',
          at: new Date().toISOString(),
          exit: `code ${e.code}, signal ${e.signal}`,
          stderr: p.stderr().slice(-500),
        });
        gateway = (await startProxyCli(fx!.url, port, stateDir, proxyExtra)).proc;
        superviseGateway(gateway);
      });
    const superviseWatch = (p: CliProcess) =>
      void p.exited.then((e) => {
        if (stopping) return;
        crashes.push({
          process: 'watch',
          at: new Date().toISOString(),
          exit: `code ${e.code}, signal ${e.signal}`,
          stderr: p.stderr().slice(-500),
        });
        watch = startWatch();
        superviseWatch(watch);
      });
    const startWatch = () =>
      startCli([
        'watch',
        fx!.url,
        '--health-url',
        fx!.healthUrl,
        '--container',
        CONTAINER,
        '--interval',
        '2',
        '--timeout',
        '2',
        '--json',
      ]);
    let stopping = false;
    const started = await startProxyCli(fx.url, port, stateDir, proxyExtra);
    gateway = started.proc;
    superviseGateway(gateway);
    watch = startWatch();
    superviseWatch(watch);
    const restartGateway = async () => {
      expectedGatewayExit = true;
      await gateway!.kill('SIGKILL');
      expectedGatewayExit = false;
      const next = await startProxyCli(fx!.url, port, stateDir, proxyExtra);
      if (next.url !== started.url) throw new Error(`the restarted gateway serves ${next.url}, not ${started.url}`);
      gateway = next.proc;
      superviseGateway(gateway);
    };

    const writer = await connect(started.url, 'chaos-writer');
    const reader = await connect(started.url, 'chaos-reader');
    await writer.listTools(); // the gateway learns which tools are safe to repeat
    const calls: CallRecord[] = [];
    const call = async (client: Client, tool: CallRecord['tool'], key?: string) => {
      const sentAt = Date.now();
      try {
        const r = await client.callTool({ name: tool, arguments: key ? { key } : {} }, undefined, {
          timeout: CALL_TIMEOUT_MS,
        });
        const text = textOf(r);
        const ok = tool === WRITE_TOOL ? /"executions":1\b/.test(text) : /executions/.test(text);
        calls.push({
          tool,
          key,
          sentAt,
          doneAt: Date.now(),
          outcome: ok ? 'ok' : 'failed',
          message: ok ? undefined : text.slice(0, 200),
        });
      } catch (e) {
        calls.push({ tool, key, sentAt, doneAt: Date.now(), ...classify(e) });
      }
    };
    let done = false;
    let inFlight = 0;
    const writes: Promise<void>[] = [];
    const writeLoop = (async () => {
      for (let i = 0; !done; i++) {
        if (inFlight < MAX_WRITES_IN_FLIGHT) {
          inFlight++;
          writes.push(call(writer, WRITE_TOOL, `chaos-${i}`).finally(() => inFlight--));
        }
        await sleep(1000 / writesPerSecond);
      }
    })();
    const readLoop = (async () => {
      while (!done) {
        await call(reader, 'test_read');
        await sleep(50);
      }
    })();

    const faults: FaultRecord[] = [];
    const perKind: Record<string, number> = {};
    await sleep(2000);
    for (const kind of plan) {
      const n = (perKind[kind] = (perKind[kind] ?? 0) + 1);
      const startAt = Date.now();
      process.stderr.write(`chaos: +${round((startAt - startedAt) / 1000, 0)} s ${kind} #${n}\n`);
      try {
        const o = await runFault(kind, { fx, freezeMs, restartGateway });
        const endAt = Date.now();
        // A container's death is the real break (a restart asked for at t dies a little later).
        const died =
          kind === 'freeze' || kind === 'gateway-kill' || kind === 'health-flap'
            ? undefined
            : events.deaths.find((d) => d >= startAt - 50 && d <= endAt);
        faults.push({ kind, n, startAt, breakAt: died ?? o.breakAt, endAt, skipped: o.skipped });
      } catch (e) {
        faults.push({ kind, n, startAt, breakAt: startAt, endAt: Date.now(), error: (e as Error).message });
        process.stderr.write(`chaos: ${kind} #${n} failed: ${(e as Error).message}\n`);
      }
      await sleep(1000 + Math.random() * 1000);
    }
    await sleep(3000);
    done = true;
    await writeLoop;
    await readLoop;
    await Promise.all(writes);
    stopping = true;
    await Promise.all([writer.close(), reader.close()].map((p) => p.catch(() => undefined)));

    const ran = (await executions(fx.url)).keys[WRITE_TOOL] ?? {};
    const summary = summarize({
      calls,
      faults,
      ran,
      crashes,
      counts,
      seed,
      startedAt,
      events: events.counts,
      watch: watch!,
      scale,
      freezeMs,
      writesPerSecond,
      gatewayWatchesContainer,
    });
    writeFileSync('chaos-results.json', `${JSON.stringify(summary, null, 2)}\n`);
    printTable(summary);
  } finally {
    events.stop();
    abortPendingToolCalls();
    await Promise.all([gateway?.kill('SIGTERM'), watch?.kill('SIGTERM')]);
    await removeContainer(CONTAINER).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SummaryInput {
  calls: CallRecord[];
  faults: FaultRecord[];
  ran: Record<string, number>;
  crashes: { process: string; at: string; exit: string; stderr: string }[];
  counts: Record<FaultKind, number>;
  seed: number;
  startedAt: number;
  events: Record<string, number>;
  watch: CliProcess;
  scale: number;
  freezeMs: number;
  writesPerSecond: number;
  gatewayWatchesContainer: boolean;
}

/** The fault a call overlapped (sent before its end + slack, answered after its start); the latest such. */
function faultOf(c: CallRecord, faults: FaultRecord[]): FaultRecord | undefined {
  return faults.filter((f) => c.sentAt <= f.endAt + SLACK_MS && c.doneAt >= f.startAt).at(-1);
}

function summarize(s: SummaryInput) {
  const writes = s.calls.filter((c) => c.tool === WRITE_TOOL);
  const reads = s.calls.filter((c) => c.tool === 'test_read');
  const by = (list: CallRecord[], o: Outcome) => list.filter((c) => c.outcome === o);
  const rel = (t: number) => round((t - s.startedAt) / 1000, 1);
  const justify = (c: CallRecord) => {
    const f = faultOf(c, s.faults);
    const ranCount = c.key ? (s.ran[c.key] ?? 0) : undefined;
    if (!f)
      return {
        key: c.key,
        tool: c.tool,
        sent_s: rel(c.sentAt),
        answered_s: rel(c.doneAt),
        ran: ranCount,
        fault: null,
        justified: false,
        why: 'no fault near it',
      };
    const beforeBreak = c.sentAt <= f.breakAt;
    return {
      key: c.key,
      tool: c.tool,
      sent_s: rel(c.sentAt),
      answered_s: rel(c.doneAt),
      ran: ranCount,
      fault: `${f.kind} #${f.n}`,
      justified: beforeBreak,
      why: beforeBreak
        ? `in flight when ${f.kind} #${f.n} broke the upstream (sent ${c.sentAt - f.breakAt} ms relative to the break)`
        : `sent ${c.sentAt - f.breakAt} ms after ${f.kind} #${f.n} broke the upstream: it should have been held until a safe round trip`,
    };
  };
  const ambiguous = by(writes, 'ambiguous').map(justify);
  const perFault = new Map<string, number>();
  for (const a of ambiguous) if (a.fault) perFault.set(a.fault, (perFault.get(a.fault) ?? 0) + 1);
  // Issue 12's target is per kind ("at most one per docker restart"): the worst fault of each kind.
  const maxPerKind: Partial<Record<FaultKind, number>> = {};
  for (const [fault, n] of perFault) {
    const kind = fault.slice(0, fault.indexOf(' #')) as FaultKind;
    maxPerKind[kind] = Math.max(maxPerKind[kind] ?? 0, n);
  }
  const okKeys = by(writes, 'ok').map((c) => c.key!);
  const duplicated = Object.entries(s.ran)
    .filter(([, n]) => n > 1)
    .map(([key, n]) => ({ key, executions: n }));
  const noAnswer = [...by(writes, 'no-answer'), ...by(reads, 'no-answer')].map(justify);
  const failed = [...by(writes, 'failed'), ...by(reads, 'failed')];
  const watchStates: Record<string, number> = {};
  for (const l of s.watch.lines) {
    const k =
      typeof l.state === 'string' && !l.container
        ? `transition:${l.state}`
        : `${lineType(l) ?? 'line'}:${String(l.event ?? l.state ?? '')}`;
    watchStates[k] = (watchStates[k] ?? 0) + 1;
  }
  const durations: Record<string, number[]> = {};
  for (const f of s.faults) if (!f.skipped) (durations[f.kind] ??= []).push(f.endAt - f.startAt);
  const runSeconds = (Date.now() - s.startedAt) / 1000;
  // Full-run estimate: each kind's mean duration (plus the 1.5 s pause after it) times its full count.
  const fullEstimateS = FAULT_KINDS.reduce((sum, k) => {
    const d = durations[k];
    const mean = d?.length ? d.reduce((a, b) => a + b, 0) / d.length : 5000;
    return sum + (FULL_COUNTS[k] * (mean + 1500)) / 1000;
  }, 5 + 20);
  return {
    type: 'chaos-summary',
    t: new Date().toISOString(),
    scale: s.scale,
    seed: s.seed,
    counts: s.counts,
    freeze_seconds: s.freezeMs / 1000,
    writes_per_second: s.writesPerSecond,
    gateway_watches_container: s.gatewayWatchesContainer,
    run_seconds: round(runSeconds, 0),
    full_run_estimate_seconds: round(fullEstimateS, 0),
    fault_seconds_mean: Object.fromEntries(
      Object.entries(durations).map(([k, d]) => [k, round(d.reduce((a, b) => a + b, 0) / d.length / 1000, 1)]),
    ),
    faults_skipped: s.faults.filter((f) => f.skipped).map((f) => `${f.kind} #${f.n}: ${f.skipped}`),
    faults_failed: s.faults.filter((f) => f.error).map((f) => `${f.kind} #${f.n}: ${f.error}`),
    writes: {
      sent: writes.length,
      ok: okKeys.length,
      ambiguous: ambiguous.length,
      ambiguous_unjustified: ambiguous.filter((a) => !a.justified).length,
      ambiguous_max_per_fault: Math.max(0, ...perFault.values()),
      ambiguous_max_per_fault_of_kind: maxPerKind,
      failed: by(writes, 'failed').length,
      refused: by(writes, 'refused').length,
      no_answer: by(writes, 'no-answer').length,
      ok_but_not_executed: okKeys.filter((k) => (s.ran[k] ?? 0) === 0),
      failed_but_executed: by(writes, 'failed')
        .filter((c) => (s.ran[c.key!] ?? 0) > 0)
        .map((c) => c.key),
      duplicated,
    },
    reads: {
      sent: reads.length,
      ok: by(reads, 'ok').length,
      failed: by(reads, 'failed').length,
      refused: by(reads, 'refused').length,
      no_answer: by(reads, 'no-answer').length,
    },
    lost_calls: noAnswer.length + okKeys.filter((k) => (s.ran[k] ?? 0) === 0).length,
    ambiguous_answers: ambiguous,
    no_answers: noAnswer,
    failed_messages: countBy(failed.map((c) => (c.message ?? '').slice(0, 160))),
    crashes: s.crashes,
    docker_events: s.events,
    watch_lines: watchStates,
  };
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

function printTable(s: ReturnType<typeof summarize>): void {
  const rows: [string, unknown][] = [
    ['faults', JSON.stringify(s.counts)],
    ['run (s) / full run estimate (s)', `${s.run_seconds} / ${s.full_run_estimate_seconds}`],
    ['writes sent / ok', `${s.writes.sent} / ${s.writes.ok}`],
    [
      'ambiguous (unjustified, max per fault)',
      `${s.writes.ambiguous} (${s.writes.ambiguous_unjustified}, ${s.writes.ambiguous_max_per_fault})`,
    ],
    ['ambiguous: max per fault of each kind', JSON.stringify(s.writes.ambiguous_max_per_fault_of_kind)],
    [
      'writes failed (clear error) / refused / no answer',
      `${s.writes.failed} / ${s.writes.refused} / ${s.writes.no_answer}`,
    ],
    ['duplicated writes', s.writes.duplicated.length],
    ['ok but not executed', s.writes.ok_but_not_executed.length],
    [
      'reads sent / ok / failed / refused / no answer',
      `${s.reads.sent} / ${s.reads.ok} / ${s.reads.failed} / ${s.reads.refused} / ${s.reads.no_answer}`,
    ],
    ['lost calls', s.lost_calls],
    ['crashes', s.crashes.length],
    ['faults skipped / failed', `${s.faults_skipped.length} / ${s.faults_failed.length}`],
    ['docker events', JSON.stringify(s.docker_events)],
  ];
  process.stdout.write(`${rows.map(([k, v]) => `| ${k.padEnd(40)} | ${String(v)}`).join('\n')}\n`);
  for (const a of s.ambiguous_answers)
    process.stdout.write(`  ambiguous ${a.key} at ${a.sent_s}-${a.answered_s} s, ran ${a.ran}: ${a.why}\n`);
  for (const a of s.no_answers)
    process.stdout.write(
      `  no answer ${a.key ?? a.tool} at ${a.sent_s}-${a.answered_s} s, ran ${a.ran ?? '-'}: ${a.fault ?? 'no fault near it'}\n`,
    );
  for (const f of [...s.faults_skipped, ...s.faults_failed]) process.stdout.write(`  ${f}\n`);
}

// The Docker lock for the whole run, taken by re-running this script under flock(1).
if (process.env.ARCHON_CHAOS_LOCKED !== '1') {
  process.stderr.write(`chaos: waiting for ${LOCK}…\n`);
  const r = spawnSync('flock', [LOCK, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ARCHON_CHAOS_LOCKED: '1' },
  });
  if (r.error) process.stderr.write(`chaos: cannot run flock: ${r.error.message}\n`);
  process.exit(r.status ?? 1);
} else {
  main().then(
    () => process.exit(),
    (err) => {
      process.stderr.write(`chaos: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
