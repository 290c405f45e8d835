import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  INCIDENT_FILE,
  IncidentRecorder,
  MAX_INCIDENTS,
  awaySummary,
  boundIncidents,
  gatewayEventEffect,
  mergeIncidents,
  parseDuration,
  readJournal,
  timelineSvg,
  transitionEffect,
  type IncidentRecord,
} from '../../src/core/incidents';
import type { Transition } from '../../src/core/server-state';

const T0 = Date.parse('2026-12-07T02:00:00.000Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
const tmp = (): string => mkdtempSync(join(tmpdir(), 'incidents-'));

function record(
  id: string,
  startS: number,
  endS: number | undefined,
  extra: Partial<IncidentRecord> = {},
): IncidentRecord {
  return {
    id,
    server: 'archon',
    seenBy: 'proxy',
    startedAt: at(startS),
    ...(endS !== undefined ? { recoveredAt: at(endS), downtimeMs: (endS - startS) * 1000 } : {}),
    cause: 'oom-kill',
    evidence: [],
    calls: { held: 0, resent: 0, answered: 0, failed: 0, ambiguous: 0 },
    heals: {},
    updatedAt: at(endS ?? startS),
    ...extra,
  };
}

describe('incident effects (what an event means)', () => {
  const cases: [string, Parameters<typeof gatewayEventEffect>[0], ReturnType<typeof gatewayEventEffect>][] = [
    [
      'a docker OOM signal opens an oom-kill incident',
      { at: at(0), event: 'upstream-restarting', message: 'm', cause: 'oom-kill' },
      { begin: { cause: 'oom-kill', evidence: [{ at: at(0), source: 'docker', detail: 'm' }] }, newOutage: true },
    ],
    [
      'a held call was answered: recovered, started when the call came',
      { at: at(10), event: 'held', message: 'm', durationMs: 4000 },
      {
        begin: {
          cause: 'unknown',
          evidence: [
            { at: at(10), source: 'gateway', detail: 'the server did not answer; calls were held until it came back' },
          ],
        },
        startedBeforeMs: 4000,
        calls: ['held', 'answered'],
        heal: 'held',
        recovered: true,
      },
    ],
    [
      'an interrupted call is ambiguous',
      { at: at(1), event: 'error-returned', message: 'x', reason: 'interrupted' },
      {
        begin: { cause: 'unknown', evidence: [{ at: at(1), source: 'gateway', detail: 'x' }] },
        startedBeforeMs: undefined,
        calls: ['ambiguous'],
      },
    ],
    [
      'a hold that timed out was held and failed',
      { at: at(1), event: 'error-returned', message: 'x', reason: 'unreachable', durationMs: 30_000 },
      {
        begin: { cause: 'unknown', evidence: [{ at: at(1), source: 'gateway', detail: 'x' }] },
        startedBeforeMs: 30_000,
        calls: ['held', 'failed'],
      },
    ],
    [
      'a slow call timing out is no incident of its own',
      { at: at(1), event: 'error-returned', message: 'x', reason: 'timeout' },
      { calls: ['failed'], onlyIfOpen: true },
    ],
    [
      'the upstream lost a session of ours, whoever found out: a process restart',
      { at: at(2), event: 'upstream-session-lost', message: 'm' },
      {
        begin: {
          cause: 'process-restart',
          evidence: [
            { at: at(2), source: 'gateway', detail: 'the server no longer knew its session: it was restarted' },
          ],
        },
      },
    ],
    ['a client connecting is nothing', { at: at(1), event: 'client-connected', message: 'x' }, undefined],
  ];
  for (const [name, event, want] of cases) it(name, () => assert.deepEqual(gatewayEventEffect(event), want));

  const t = (p: Partial<Transition>): Transition => ({
    at: at(0),
    from: 'healthy',
    to: 'healthy',
    reason: 'connected',
    evidence: [],
    ...p,
  });
  it('a monitor loss opens an incident with its cause; a heal closes it; the first connect is nothing', () => {
    const loss = {
      at: at(0),
      cause: 'crash' as const,
      label: 'crash (exit 3)',
      evidence: [{ at: at(0), source: 'docker' as const, detail: 'die exit 3' }],
    };
    assert.deepEqual(transitionEffect(t({ to: 'session-lost', reason: 'container-died', loss })), {
      begin: { cause: 'crash', label: 'crash (exit 3)', evidence: loss.evidence, refined: false },
      newOutage: true,
    });
    assert.deepEqual(transitionEffect(t({ from: 'healing', to: 'healthy', reason: 'reinitialized' })), {
      heal: 'reinitialized',
      recovered: true,
      onlyIfOpen: false,
    });
    assert.equal(transitionEffect(t({ from: 'connecting', to: 'healthy', reason: 'connected' })), undefined);
    assert.equal(transitionEffect(t({ from: 'healthy', to: 'degraded', reason: 'slow-ping' })), undefined);
  });
});

describe('incident recorder and journal', () => {
  it('one incident per outage: a Docker signal, held calls, a failure, then recovery; kept 0600 across a restart', async () => {
    const dir = tmp();
    try {
      const a = new IncidentRecorder({ seenBy: 'sidecar', stateDir: dir, quietMs: 50 });
      a.load();
      a.apply(
        'archon',
        gatewayEventEffect({ at: at(0), event: 'upstream-restarting', message: 'restarting', cause: 'oom-kill' }),
        at(0),
      );
      a.apply('archon', gatewayEventEffect({ at: at(5), event: 'held', message: 'm', durationMs: 4000 }), at(5));
      a.apply('archon', gatewayEventEffect({ at: at(6), event: 'held', message: 'm', durationMs: 5500 }), at(6));
      a.apply(
        'archon',
        gatewayEventEffect({ at: at(6), event: 'error-returned', message: 'broke', reason: 'interrupted' }),
        at(6),
      );
      await new Promise((r) => setTimeout(r, 120));
      await a.stop();
      const [r] = a.list();
      assert.equal(a.list().length, 1);
      assert.equal(r.cause, 'oom-kill');
      assert.equal(r.startedAt, at(0));
      assert.equal(r.recoveredAt, at(6));
      assert.equal(r.downtimeMs, 6000);
      assert.deepEqual(r.calls, { held: 2, resent: 0, answered: 2, failed: 0, ambiguous: 1 });
      assert.deepEqual(r.heals, { held: 2 });
      assert.equal(statSync(join(dir, INCIDENT_FILE)).mode & 0o777, 0o600);
      const b = new IncidentRecorder({ seenBy: 'sidecar', stateDir: dir });
      b.load();
      assert.deepEqual(
        b.list().map((x) => x.id),
        [r.id],
      );
      assert.equal(
        awaySummary(b.list(), new Set())?.needsAttention,
        true,
        'a call may have run twice: worth a notification',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a new break after the server answered again is the next incident; failures reported late stay with the first', async () => {
    const r = new IncidentRecorder({ seenBy: 'proxy', quietMs: 60_000 });
    r.apply('archon', gatewayEventEffect({ at: at(0), event: 'upstream-down', message: 'down' }), at(0));
    r.apply('archon', gatewayEventEffect({ at: at(3), event: 'held', message: 'm', durationMs: 2000 }), at(3));
    r.apply(
      'archon',
      gatewayEventEffect({
        at: at(4),
        event: 'error-returned',
        message: 'broke',
        reason: 'interrupted',
        durationMs: 4000,
      }),
      at(4),
    );
    r.apply('archon', gatewayEventEffect({ at: at(9), event: 'upstream-down', message: 'down again' }), at(9));
    r.apply(
      'archon',
      gatewayEventEffect({ at: at(11), event: 'reinitialized', message: 'm', durationMs: 1000 }),
      at(11),
    );
    const list = r.list();
    assert.equal(list.length, 2);
    assert.deepEqual([list[0].startedAt, list[0].recoveredAt, list[0].calls.ambiguous], [at(0), at(3), 1]);
    assert.deepEqual([list[1].startedAt, list[1].recoveredAt, list[1].cause], [at(9), at(11), 'process-restart']);
    await r.stop();
  });

  it('a call that began breaking after the server answered again opens the next incident, before or after upstream-down', async () => {
    const r = new IncidentRecorder({ seenBy: 'proxy', quietMs: 60_000 });
    r.apply('archon', gatewayEventEffect({ at: at(0), event: 'upstream-down', message: 'down' }), at(0));
    r.apply('archon', gatewayEventEffect({ at: at(3), event: 'held', message: 'm', durationMs: 2000 }), at(3));
    // The write that began at 9 s is reported broken before the gateway says the server is down.
    r.apply(
      'archon',
      gatewayEventEffect({
        at: at(10),
        event: 'error-returned',
        message: 'broke',
        reason: 'interrupted',
        durationMs: 1000,
      }),
      at(10),
    );
    r.apply('archon', gatewayEventEffect({ at: at(10), event: 'upstream-down', message: 'down again' }), at(10));
    const list = r.list();
    assert.equal(list.length, 2);
    assert.deepEqual([list[0].startedAt, list[0].recoveredAt, list[0].calls.ambiguous], [at(0), at(3), 0]);
    assert.deepEqual([list[1].startedAt, list[1].calls.ambiguous], [at(9), 1]);
    await r.stop();
  });

  it('an incident a killed recorder left open is continued by the next run, not doubled', async () => {
    const dir = tmp();
    try {
      const a = new IncidentRecorder({ seenBy: 'proxy', stateDir: dir });
      a.load();
      a.apply(
        'archon',
        gatewayEventEffect({ at: new Date().toISOString(), event: 'upstream-restarting', message: 'm' }),
      );
      await a.flush(); // then "SIGKILL": no stop()
      const b = new IncidentRecorder({ seenBy: 'proxy', stateDir: dir, quietMs: 10 });
      b.load();
      b.apply(
        'archon',
        gatewayEventEffect({ at: new Date().toISOString(), event: 'reinitialized', message: 'm', durationMs: 10 }),
      );
      await new Promise((r) => setTimeout(r, 40));
      await b.stop();
      const all = (await readJournal(dir)).incidents;
      assert.equal(all.length, 1);
      assert.equal(all[0].id, a.list()[0].id);
      assert.equal(all[0].cause, 'process-restart');
      assert.ok(all[0].recoveredAt);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged journal is set aside, reported, and a new one started', async () => {
    const dir = tmp();
    try {
      writeFileSync(join(dir, INCIDENT_FILE), '{"incidents": {"not": "a list"}}');
      assert.match(
        (await readJournal(dir)).problems.join(),
        /holds no list of incidents/,
        'the CLI reports it and changes nothing',
      );
      const problems: string[] = [];
      const r = new IncidentRecorder({ seenBy: 'proxy', stateDir: dir, onProblem: (m) => problems.push(m) });
      r.load();
      assert.match(problems.join(), /holds no list of incidents.*kept it as .*incidents\.json\.damaged-/);
      r.recordIncident(record('x', 0, 5));
      await r.flush();
      const names = readdirSync(dir);
      assert.ok(names.some((n) => n.startsWith(`${INCIDENT_FILE}.damaged-`)));
      assert.equal(
        readFileSync(join(dir, names.find((n) => n.includes('damaged'))!), 'utf8'),
        '{"incidents": {"not": "a list"}}',
      );
      assert.equal((await readJournal(dir)).incidents.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("two writers of one folder keep each other's records", async () => {
    const dir = tmp();
    try {
      const a = new IncidentRecorder({ seenBy: 'proxy', stateDir: dir });
      const b = new IncidentRecorder({ seenBy: 'window', stateDir: dir });
      a.load();
      b.load();
      a.recordIncident({ ...record('', 0, 3), id: 'a1' });
      await a.flush();
      b.recordIncident({ ...record('', 10, 13), id: 'b1' });
      await b.flush();
      assert.deepEqual(
        (await readJournal(dir)).incidents.map((r) => r.id),
        ['a1', 'b1'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bounds by count and age; merges copies by id (newest wins); filters', () => {
    const now = T0 + 40 * 86_400_000;
    const many = Array.from({ length: MAX_INCIDENTS + 5 }, (_, i) =>
      record(`r${i}`, 39 * 86_400 + i, 39 * 86_400 + i + 1),
    );
    const bounded = boundIncidents([record('old', 0, 1), ...many], now);
    assert.equal(bounded.length, MAX_INCIDENTS);
    assert.equal(bounded[0].id, 'r5');
    const older = record('same', 0, undefined, { updatedAt: at(1) });
    const newer = record('same', 0, 9, { updatedAt: at(9) });
    assert.deepEqual(mergeIncidents([[newer], [older]], {}, T0), [newer]);
    assert.deepEqual(
      mergeIncidents([[newer, record('b', 0, 1, { server: 'other' })]], { server: 'ARCHON', sinceMs: T0 + 5000 }, T0),
      [newer],
    );
    assert.equal(parseDuration('12h'), 12 * 3600_000);
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(parseDuration('soon'), undefined);
  });

  it('the while-you-were-away summary is calm when all healed, and skips what was shown', () => {
    const healed = record('h', 0, 20, { calls: { held: 41, resent: 0, answered: 41, failed: 0, ambiguous: 0 } });
    const s = awaySummary([healed], new Set());
    assert.equal(s?.needsAttention, false);
    assert.match(s!.message, /all healed — 41 call\(s\) held, 41 answered/);
    assert.equal(awaySummary([healed], new Set(['h'])), undefined);
    assert.equal(awaySummary([record('open', 0, undefined)], new Set()), undefined, 'an open incident waits');
  });
});

describe('the timeline drawing', () => {
  it("one mark per incident in its server's row, as wide as the downtime, coloured by cause, marked when calls failed", () => {
    const now = T0 + 86_400_000;
    const svg = timelineSvg(
      [
        record('a', 0, 3600, { calls: { held: 41, resent: 0, answered: 41, failed: 0, ambiguous: 0 } }),
        record('b', 7200, 7260, {
          server: 'other',
          cause: 'crash',
          calls: { held: 0, resent: 0, answered: 0, failed: 2, ambiguous: 0 },
        }),
        record('old', -10 * 86_400, -10 * 86_400 + 5),
      ],
      { now, days: 1 },
    );
    assert.equal((svg.match(/<g class="incident/g) ?? []).length, 2, 'the one from 10 days ago is not drawn');
    assert.match(svg, /data-id="a"[^>]*>[\s\S]*?class="mark cause-oom-kill" x="140\.0" y="34" width="31\.\d"/);
    assert.match(svg, /<g class="incident failed" data-id="b"/);
    assert.match(svg, /class="count"[^>]*>41</);
    assert.ok(svg.indexOf('>archon<') < svg.indexOf('>other<'), 'servers in rows, sorted');
    assert.doesNotMatch(svg, /style=/, 'no inline style (the CSP allows none)');
    assert.match(timelineSvg([], { now, days: 7 }), /No incidents in the last 7 days/);
  });
});

describe('incident evidence', () => {
  it("keeps no credentials: a URL's user info and tokens are hidden", async () => {
    const r = new IncidentRecorder({ seenBy: 'proxy' });
    r.apply(
      'archon',
      gatewayEventEffect({
        at: at(0),
        event: 'error-returned',
        reason: 'unreachable',
        message:
          'The MCP server at http://user:s3cret@host:8051/mcp?token=abc did not come back; Authorization: Bearer abcdef123456',
      }),
      at(0),
    );
    const detail = r.list()[0].evidence[0].detail;
    assert.doesNotMatch(detail, /s3cret|abcdef123456|token=abc/);
    assert.match(detail, /http:\/\/redacted@host:8051\/mcp\?token=/);
    await r.stop();
  });
});
