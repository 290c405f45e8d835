// Which servers the extension watches (the union of archonMcp.servers and the shared list) and how a
// server no monitor watches looks (from its supervisors' state files).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  readSupervisedStates,
  unionServers,
  type ClientEntry,
  type McpServer,
  type SupervisedView,
} from '../../src/core/clients';
import { lookOfOther } from '../../src/vscode/every-present';

const ARCHON = { name: 'Archon', url: 'http://localhost:8051/mcp' };
const listed = (name: string, url: string) => ({ name, slug: name.toLowerCase(), url });
const fromList = (l: { name: string; url: string }) => ({ name: l.name, url: l.url });

test('the default Archon is watched only when the user set it or something names it', () => {
  const list = [listed('Docs', 'http://127.0.0.1:9000/mcp')];
  assert.deepEqual(
    unionServers({ configured: [ARCHON], userSet: false, list, clientUrls: [], fromList }).servers.map((s) => s.name),
    ['Docs'],
    'a first run without Archon',
  );
  assert.deepEqual(
    unionServers({
      configured: [ARCHON],
      userSet: false,
      list,
      clientUrls: ['http://127.0.0.1:8051/mcp/'],
      fromList,
    }).servers.map((s) => s.name),
    ['Archon', 'Docs'],
    'a client names it',
  );
  assert.deepEqual(
    unionServers({ configured: [ARCHON], userSet: true, list, clientUrls: [], fromList }).servers.map((s) => s.name),
    ['Archon', 'Docs'],
    'configured: first place',
  );
  const clash = unionServers({
    configured: [ARCHON],
    userSet: true,
    list: [listed('Archon', 'http://other/mcp'), listed('archon-local', 'http://localhost:8051/mcp')],
    clientUrls: [],
    fromList,
  });
  assert.deepEqual(
    clash.servers.map((s) => s.name),
    ['Archon'],
    'the same URL once; a clashing name skipped',
  );
  assert.match(clash.problems[0], /"Archon" \(http:\/\/other\/mcp\) has the name of a server in archonMcp\.servers/);
});

function server(over: Partial<McpServer> = {}): McpServer {
  const entry = { client: 'cursor', protection: 'supervisor' } as ClientEntry;
  return {
    id: 'memory',
    name: 'memory',
    transport: 'stdio',
    shown: 'node mem.js',
    upstream: { command: '/usr/bin/node', args: ['mem.js'] },
    entries: [entry],
    protection: 'protected',
    ...over,
  };
}
const state = (over: Partial<SupervisedView>): SupervisedView => ({
  pid: 1,
  serverPid: 2,
  command: ['node', 'mem.js'],
  state: 'running',
  restarts: 0,
  lastCauseLabel: null,
  lastRestartAt: null,
  stderrTail: [],
  updatedAt: '',
  file: '/f',
  stale: false,
  ...over,
});

test('a supervised stdio server looks as its live supervisors say', () => {
  assert.equal(lookOfOther(server(), []).look.label, 'not running');
  assert.equal(lookOfOther(server(), [state({})]).look.label, 'healthy');
  assert.equal(lookOfOther(server(), [state({}), state({ pid: 2, state: 'restarting' })]).look.tone, 'busy');
  assert.equal(lookOfOther(server(), [state({ state: 'gave-up' })]).look.tone, 'error');
  assert.equal(
    lookOfOther(server(), [state({ stale: true })]).look.label,
    'not running',
    'a stale file is not trusted',
  );
  assert.equal(
    lookOfOther(server(), [state({ command: ['node', 'other.js'] })]).supervisors.length,
    0,
    'another command line',
  );
  assert.equal(lookOfOther(server({ protection: 'direct' }), []).look.label, 'not running · direct');
  assert.equal(
    lookOfOther(server({ transport: 'sse', upstream: { url: 'http://h/sse' } }), []).look.label,
    'legacy SSE, not protected',
  );
});

test('the state files are read as the supervisor writes them; damaged ones skipped, dead supervisors stale', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-states-'));
  try {
    fs.mkdirSync(path.join(dir, 'stdio'));
    const base = {
      version: 1,
      serverPid: 5,
      cwd: '/',
      startedAt: '2026-12-07T10:00:00Z',
      updatedAt: '2026-12-07T10:01:00Z',
      held: 0,
      resent: 0,
      ambiguous: 0,
      failed: 0,
    };
    fs.writeFileSync(
      path.join(dir, 'stdio', `${process.pid}.json`),
      JSON.stringify({
        ...base,
        pid: process.pid,
        command: ['node', 'mem.js'],
        state: 'running',
        restarts: 2,
        lastCause: 'signal',
        lastCauseLabel: 'SIGKILL (OOM killer or kill -9)',
        lastRestartAt: '2026-12-07T10:00:30Z',
        stderrTail: ['boom'],
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'stdio', '999999.json'),
      JSON.stringify({
        ...base,
        pid: 999999,
        command: ['uvx', 'x'],
        state: 'running',
        restarts: 0,
        lastCauseLabel: null,
        stderrTail: [],
      }),
    );
    fs.writeFileSync(path.join(dir, 'stdio', '7.json'), '{ half');
    const states = await readSupervisedStates(dir);
    assert.equal(states.length, 2, 'the damaged file is skipped');
    const node = states.find((s) => s.command[0] === 'node')!;
    assert.deepEqual(
      [node.restarts, node.lastCauseLabel, node.stderrTail, node.stale],
      [2, 'SIGKILL (OOM killer or kill -9)', ['boom'], false],
    );
    assert.equal(states.find((s) => s.command[0] === 'uvx')?.stale, true, 'its supervisor is gone');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
