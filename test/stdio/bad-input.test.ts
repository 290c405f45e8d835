// What cannot work gets a clear error and leaves no process behind: a crash loop (and its recovery once
// fixed), a missing command, garbage on stdout, a server that never answers initialize, a client that
// sends malformed JSON or closes stdin in the middle of a call.
import { waitFor } from '../helpers/wait';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { COUNTER_SERVER, RawClient, killMarked, marked, waitNoneLeft } from './util';

const clients: RawClient[] = [];
after(() => clients.forEach((c) => killMarked(c.mark)));
const raw = (server: string[], args: string[] = [], env: Record<string, string> = {}): RawClient => {
  const c = new RawClient(server, args, env);
  clients.push(c);
  return c;
};

/** The supervisor exits when the client closes stdin, and nothing it started is left. */
async function endsClean(c: RawClient): Promise<void> {
  const exit = await c.end();
  assert.equal(exit.code, 0, c.stderr().slice(-2000));
  assert.deepEqual(await waitNoneLeft(c.mark), [], 'processes left');
  assert.deepEqual(c.badStdout, [], 'stdout carries JSON-RPC messages only');
}

describe('a server that cannot run', () => {
  it('crash loop: each request gets the exit code and stderr tail; after the fix the next request works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-loop-'));
    const fixed = join(dir, 'fixed');
    // A wrapper (as npx is) that fails at start until its "installation" is fixed.
    const script = `test -f ${fixed} || { echo "boom: config file missing" >&2; exit 3; }; exec node ${COUNTER_SERVER}`;
    const c = raw(['sh', '-c', script], [], { COUNTER_FILE: join(dir, 'w.txt') });
    const first = await c.initialize();
    assert.equal(first.error?.data?.reason, 'cannot-start', JSON.stringify(first));
    assert.match(first.error!.message, /exit code 3/);
    assert.match(first.error!.message, /boom: config file missing/);
    // stderr is another pipe than the answer's: its line may arrive a moment later.
    await waitFor(
      'the give-up line on stderr',
      () => /gave up \(tries again on the next request\)/.test(c.stderr()),
      5_000,
      20,
    ).catch(() => undefined);
    assert.match(c.stderr(), /gave up \(tries again on the next request\)/);
    const again = await c.initialize();
    assert.equal(again.error?.data?.reason, 'cannot-start', 'still broken: an error again, not a hang');
    assert.deepEqual(
      marked(c.mark).filter((p) => p !== c.proc.pid),
      [],
      'nothing runs while given up',
    );
    writeFileSync(fixed, '1');
    const ok = await c.initialize();
    assert.ok(ok.result, `fixed: answered (${JSON.stringify(ok)})`);
    c.notify('notifications/initialized');
    const tools = await c.request('tools/list');
    assert.ok(Array.isArray(tools.result?.tools));
    await endsClean(c);
  });

  it('missing command: named at once (ENOENT)', async () => {
    const c = raw(['/nonexistent/mcp-server', '--flag']);
    const r = await c.initialize();
    assert.equal(r.error?.data?.reason, 'cannot-start');
    assert.match(r.error!.message, /ENOENT: command not found \(\/nonexistent\/mcp-server\)/);
    await endsClean(c);
  });

  it('not executable: named at once (EACCES)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-eacces-'));
    const file = join(dir, 'server.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const c = raw([file]);
    const r = await c.initialize();
    assert.match(r.error?.message ?? '', /EACCES: not executable/);
    await endsClean(c);
  });

  it('garbage on stdout and no answer: a timeout error, nothing of it reaches the client', async () => {
    const c = raw(
      ['node', '-e', 'process.stdin.resume(); setInterval(() => console.log("garbage, not JSON"), 100)'],
      ['--response-timeout', '2'],
    );
    const r = await c.initialize();
    assert.equal(r.error?.data?.reason, 'timeout', JSON.stringify(r));
    assert.match(r.error!.message, /did not answer "initialize" within 2 s/);
    assert.match(c.stderr(), /wrote a line on stdout that is not JSON, not passed on: garbage, not JSON/);
    await endsClean(c);
  });

  it('a banner on stdout before serving: dropped, the session works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-banner-'));
    const c = raw(['sh', '-c', `echo "Server starting on stdio..."; exec node ${COUNTER_SERVER}`], [], {
      COUNTER_FILE: join(dir, 'w.txt'),
    });
    assert.ok((await c.initialize()).result);
    await endsClean(c);
  });

  it('never answers initialize: replaced as wedged, then a clear error', async () => {
    const c = raw(['node', '-e', 'process.stdin.resume()'], ['--wedge-timeout', '0.5', '--hold-timeout', '30']);
    const r = await c.initialize(60_000);
    assert.ok(r.error, JSON.stringify(r));
    assert.match(r.error!.message, /cannot run: no output at all for .* while a request waited/);
    assert.match(c.stderr(), /restart 1: .* ended \(no output at all/);
    await endsClean(c);
  });
});

describe('a client that misbehaves', () => {
  it('malformed JSON and non-JSON-RPC lines get -32700 / -32600; the session goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-malformed-'));
    const c = raw(['node', COUNTER_SERVER], [], { COUNTER_FILE: join(dir, 'w.txt') });
    c.line('{"jsonrpc": "2.0", "id": 1, "method": "initialize", ');
    const parseError = await c.waitFor((m) => (m.error as { code?: number } | undefined)?.code === -32700);
    assert.equal(parseError.id, null);
    c.line('{"hello": "world"}');
    const invalid = await c.waitFor((m) => (m.error as { code?: number } | undefined)?.code === -32600);
    assert.equal(invalid.id, null);
    assert.match(c.stderr(), /ignored a line on stdin that is not JSON/);
    assert.ok((await c.initialize()).result);
    c.notify('notifications/initialized');
    const call = await c.request('tools/call', { name: 'read_notes', arguments: {} });
    assert.ok(call.result);
    await endsClean(c);
  });

  it('closes stdin mid-call: the call is answered as maybe-run, the server stopped, nothing left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-midcall-'));
    // A server that ignores SIGTERM and stdin's end: only the SIGKILL after the grace ends it.
    const c = raw(
      ['node', '-e', `process.on('SIGTERM', () => undefined); import(${JSON.stringify(COUNTER_SERVER)})`],
      [],
      { COUNTER_FILE: join(dir, 'w.txt') },
    );
    assert.ok((await c.initialize()).result);
    c.notify('notifications/initialized');
    await c.request('tools/list');
    c.line(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 99,
        method: 'tools/call',
        params: { name: 'write_note', arguments: { key: 'k', delayMs: 10_000 } },
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const exit = await c.end();
    assert.equal(exit.code, 0);
    const answer = c.messages.find((m) => m.id === 99) as { error?: { message: string } } | undefined;
    assert.match(
      answer?.error?.message ?? '',
      /closed its connection \(stdin\) during the call to "write_note".*may or may not have run/,
    );
    assert.deepEqual(await waitNoneLeft(c.mark), []);
  });
});
