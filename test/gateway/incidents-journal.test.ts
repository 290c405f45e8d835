// The incident journal of a real `proxy` process: kept across a SIGKILL (the open incident is continued,
// nothing doubled), read by `incidents`, and a damaged journal set aside, reported and started anew.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INCIDENT_FILE } from '../../src/core/incidents';
import { readJsonLine } from '../helpers/json-lines';
import { freePort, startServer, type RunningServer } from '../helpers/servers';
import { startProxy, type ProxyProcess } from './cli';
import { connectClient, sleep, textOf } from './util';

const ROOT = join(__dirname, '..', '..');

function incidents(args: string[]): {
  status: number | null;
  lines: Record<string, unknown>[];
  stdout: string;
  stderr: string;
} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'incidents', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const lines = args.includes('--json')
    ? r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => readJsonLine(l))
    : [];
  return { status: r.status, lines, stdout: r.stdout, stderr: r.stderr };
}

async function waitForJournal(
  dir: string,
  pred: (records: { id: string; recoveredAt?: string }[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ id: string; recoveredAt?: string }[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const records = JSON.parse(readFileSync(join(dir, INCIDENT_FILE), 'utf8')).incidents;
      if (pred(records)) return records;
    } catch {
      // not written yet
    }
    if (Date.now() > end)
      throw new Error(
        `journal never matched: ${existsSync(join(dir, INCIDENT_FILE)) ? readFileSync(join(dir, INCIDENT_FILE), 'utf8') : 'absent'}`,
      );
    await sleep(100);
  }
}

describe('the incident journal of a proxy process', () => {
  let fx: RunningServer;
  const dir = mkdtempSync(join(tmpdir(), 'gw-incidents-'));
  const procs: ProxyProcess[] = [];
  before(async () => {
    fx = await startServer('fixture', { testTools: true });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an incident open when the gateway is SIGKILLed is continued by the next gateway: one record, not two', async () => {
    const port = await freePort();
    const stateDir = join(dir, 'kill');
    const args = ['--upstream', fx.url, '--port', String(port), '--state-dir', stateDir, '--hold-timeout', '20'];
    const first = startProxy(args);
    procs.push(first);
    const url = String((await first.waitFor((l) => l.type === 'listening')).url);
    const c = await connectClient(url);
    try {
      await c.client.callTool({ name: 'test_read', arguments: {} });
      // The upstream goes down while a call is on its way: the gateway holds it and opens an incident.
      await fx.kill();
      const pending = c.client.callTool({ name: 'test_read', arguments: {} }).catch((e: Error) => e);
      await first.waitFor((l) => l.type === 'upstream-down');
      const before = await waitForJournal(stateDir, (r) => r.length === 1 && !r[0].recoveredAt);
      await first.kill('SIGKILL');
      await pending;
      const second = startProxy(args);
      procs.push(second);
      await second.waitFor((l) => l.type === 'listening');
      await fx.restart();
      // A call now meets the restarted upstream: the session the gateway saved is gone upstream (re-initialized).
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      const records = await waitForJournal(stateDir, (r) => r.some((x) => x.recoveredAt));
      assert.equal(records.length, 1, `one incident, not doubled: ${JSON.stringify(records)}`);
      assert.equal(records[0].id, before[0].id, "the second gateway continued the first one's record");
      const listed = incidents(['--json', '--state-dir', stateDir, '--gateway', `http://127.0.0.1:${port}`]);
      assert.equal(listed.status, 0, listed.stderr);
      assert.equal(listed.lines.length, 1, listed.stdout);
      assert.equal(listed.lines[0].source, 'both');
      assert.equal(listed.lines[0].cause, 'process-restart');
      assert.equal(statSync(join(stateDir, INCIDENT_FILE)).mode & 0o777, 0o600);
      await second.kill('SIGTERM');
      // Without a gateway the journal is the whole story.
      const offline = incidents(['--state-dir', stateDir, '--gateway', 'none']);
      assert.equal(offline.status, 0);
      assert.match(offline.stdout, /archon \[proxy\] process-restart, down \d/);
    } finally {
      await c.close();
    }
  });

  it('a damaged journal is set aside, reported as an incident-journal line, and a new one started', async () => {
    const stateDir = join(dir, 'damaged');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, INCIDENT_FILE), '{"version":1,"incidents":[{"id":');
    const cli = incidents(['--json', '--state-dir', stateDir, '--gateway', 'none', '--from', 'journal']);
    assert.equal(cli.status, 1, 'incidents --from journal says the journal could not be read');
    assert.match(cli.stderr, /is not JSON/);
    assert.ok(existsSync(join(stateDir, INCIDENT_FILE)), 'the CLI only reads: it moves nothing');
    const port = await freePort();
    const p = startProxy(['--upstream', fx.url, '--port', String(port), '--state-dir', stateDir]);
    procs.push(p);
    const line = await p.waitFor((l) => l.type === 'incident-journal');
    assert.match(String(line.message), /is not JSON .*kept it as .*incidents\.json\.damaged-.*started a new one/);
    const aside = readdirSync(stateDir).find((n) => n.startsWith(`${INCIDENT_FILE}.damaged-`));
    assert.ok(aside);
    assert.equal(readFileSync(join(stateDir, aside), 'utf8'), '{"version":1,"incidents":[{"id":', 'kept as it was');
    // The next incident starts the new journal.
    const url = String((await p.waitFor((l) => l.type === 'listening')).url);
    const c = await connectClient(url);
    try {
      await fx.restart();
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      await waitForJournal(stateDir, (r) => r.length === 1);
    } finally {
      await c.close();
      await p.kill('SIGTERM');
    }
  });
});
