// Bad input for `archon-mcp-doctor stdio` (the built bundle): bad arguments, a closed stdin, lines that
// are not JSON or not JSON-RPC, an upstream that is not MCP, an unreachable upstream. stdout carries
// only JSON-RPC messages in every case; the exit code says what happened.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { freePort, startServer, type RunningServer } from '../helpers/servers';
import { CLI_BUNDLE } from './stdio-util';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'input-test', version: '1' } },
});

interface Run {
  code: number | null;
  /** Every stdout line, parsed; the test fails if one is not a JSON-RPC message. */
  messages: Record<string, unknown>[];
  stdout: string;
  stderr: string;
}

/** Runs the bridge, writes `lines` to its stdin (then ends it unless keepOpen), waits for it to exit. */
function runBridge(
  args: string[],
  lines: string[],
  opts: { endStdin?: 'at-once' | 'after-answers'; answers?: number } = {},
): Promise<Run> {
  const child = spawn(process.execPath, [CLI_BUNDLE, 'stdio', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      // End stdin once the answers we wait for have arrived: the bridge must then exit by itself.
      if (opts.endStdin === 'after-answers' && stdout.split('\n').filter(Boolean).length >= (opts.answers ?? 0))
        child.stdin.end();
    });
    for (const l of lines) child.stdin.write(`${l}\n`);
    if (opts.endStdin === 'at-once') child.stdin.end();
    child.on('exit', (code) => {
      clearTimeout(timer);
      const messages = stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const parsed = JSON.parse(l) as Record<string, unknown>;
          assert.ok(
            JSONRPCMessageSchema.safeParse(parsed).success || parsed.id === null,
            `stdout line is JSON-RPC: ${l}`,
          );
          return parsed;
        });
      resolve({ code, messages, stdout, stderr });
    });
  });
}

describe('stdio bridge: bad input', () => {
  const servers: RunningServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('bad arguments: exit 2, usage on stderr, nothing on stdout', async () => {
    for (const args of [
      [],
      ['--upstream', 'not a url'],
      ['--upstream', 'ftp://x/mcp'],
      ['--upstream', 'http://127.0.0.1:1/mcp', '--hold-timeout', '-3'],
      ['--upstream', 'http://127.0.0.1:1/mcp', '--nope'],
    ]) {
      const r = await runBridge(args, [], { endStdin: 'at-once' });
      assert.equal(r.code, 2, `exit 2 for ${JSON.stringify(args)}`);
      assert.equal(r.stdout, '', 'stdout stays clean');
      assert.match(r.stderr, /usage: archon-mcp-doctor stdio --upstream/);
    }
    const help = await runBridge(['--help'], [], { endStdin: 'at-once' });
    assert.equal(help.code, 0);
    assert.equal(help.stdout, '', 'help goes to stderr: stdout is for protocol messages');
    assert.match(help.stderr, /Exit codes: 0 stdin closed/);
  });

  it('stdin closed at once: exit 0, nothing on stdout', async () => {
    const r = await runBridge(['--upstream', `http://127.0.0.1:${await freePort()}/mcp`], [], { endStdin: 'at-once' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  });

  it('lines that are not JSON or not JSON-RPC: a parse error / invalid request each, then the session works', async () => {
    const fx = await startServer('fixture');
    servers.push(fx);
    const r = await runBridge(['--upstream', fx.url], ['this is not json', '{"foo":1}', INITIALIZE], {
      endStdin: 'after-answers',
      answers: 3,
    });
    assert.equal(r.code, 0, r.stderr);
    const [parseError, invalid, init] = r.messages as {
      id: unknown;
      error?: { code: number };
      result?: { serverInfo?: { name?: string } };
    }[];
    assert.deepEqual([parseError.id, parseError.error?.code], [null, -32700]);
    assert.deepEqual([invalid.id, invalid.error?.code], [null, -32600]);
    assert.equal(init.id, 1);
    assert.ok(init.result?.serverInfo?.name, `initialize answered by the server: ${JSON.stringify(init)}`);
    assert.match(r.stderr, /ignored a line on stdin that is not JSON/);
    assert.match(r.stderr, /not a JSON-RPC 2\.0 message/);
  });

  it('a message nested 100,000 arrays deep: an invalid request that says so (with its id), then the session works', async () => {
    const fx = await startServer('fixture');
    servers.push(fx);
    const levels = 100_000;
    const deep = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"health_check","arguments":{"x":${'['.repeat(levels)}${']'.repeat(levels)}}}}`;
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' });
    const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const r = await runBridge(['--upstream', fx.url], [INITIALIZE, initialized, deep, ping], {
      endStdin: 'after-answers',
      answers: 3,
    });
    assert.equal(r.code, 0, r.stderr);
    const byId = new Map(
      r.messages.map((m) => [m.id, m as { error?: { code: number; message: string }; result?: unknown }]),
    );
    assert.equal(byId.get(2)?.error?.code, -32600, JSON.stringify(byId.get(2)));
    assert.match(byId.get(2)?.error?.message ?? '', /nested too deeply/);
    assert.ok(byId.get(3)?.result, `the ping after it is answered: ${r.stdout.slice(0, 300)}`);
    assert.match(r.stderr, /nested too deeply/);
    assert.doesNotMatch(r.stdout + r.stderr, /call stack/i);
  });

  it('the client closes its end of stdout (EPIPE on our answers): exit 0, no crash', async () => {
    const fx = await startServer('fixture');
    servers.push(fx);
    const child = spawn(process.execPath, [CLI_BUNDLE, 'stdio', '--upstream', fx.url], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.write(`${INITIALIZE}\n`);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    // Answers to these now go into a closed pipe.
    for (let i = 2; i < 6; i++) child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' })}\n`);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    assert.equal(await exited, 0, stderr);
    clearTimeout(timer);
    assert.match(stderr, /stdout closed/, 'the bridge saw the closed pipe');
    assert.doesNotMatch(stderr, /Unhandled|at .*\.js:\d+/, 'no stack trace');
  });

  it('an upstream that is not MCP (HTML 200): initialize gets an error, exit 3 with a clear message', async () => {
    const html = await startServer('html');
    servers.push(html);
    const r = await runBridge(['--upstream', html.url], [INITIALIZE]);
    assert.equal(r.code, 3, r.stderr);
    const [answer] = r.messages as { id: unknown; error?: { message: string; data?: { reason?: string } } }[];
    assert.equal(answer.id, 1);
    assert.equal(answer.error?.data?.reason, 'not-mcp');
    assert.match(answer.error?.message ?? '', /answered HTTP 200 \(text\/html\) with something that is not JSON-RPC/);
    assert.match(r.stderr, /is not an MCP server/);
  });

  it('an unreachable upstream: held for --hold-timeout, answered with an error, the bridge keeps running until stdin closes', async () => {
    const r = await runBridge(
      ['--upstream', `http://127.0.0.1:${await freePort()}/mcp`, '--hold-timeout', '1'],
      [INITIALIZE],
      { endStdin: 'after-answers', answers: 1 },
    );
    assert.equal(r.code, 0, r.stderr);
    const [answer] = r.messages as { id: unknown; error?: { message: string; data?: { reason?: string } } }[];
    assert.equal(answer.id, 1);
    assert.ok(answer.error, 'an error answer');
    assert.match(answer.error.message, /did not come back within 1 s|unreachable|refused/i);
  });
});
