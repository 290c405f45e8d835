// The supervisor's pure parts, table-tested: when to respawn or give up, how a command is shown, how
// stdio lines are split and told apart, the --json restart line against the one schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter, parseLine } from '../../src/core/stdio/framing';
import { RESTART_LIMITS, decideRestart, redactCommand, type RunRecord } from '../../src/core/stdio';
import { endCause, giveUpMessage } from '../../src/core/stdio/restart-policy';
import { jsonLine, parseJsonLine } from '../../src/core/json-lines';
import { wedgeVerdict, type WedgeInput } from '../../src/core/stdio/wedge';

const NOW = 1_000_000;
const run = (endedAgoMs: number, uptimeMs: number, answered = true, cannotSpawn = false): RunRecord => ({
  endedAt: NOW - endedAgoMs,
  uptimeMs,
  answered,
  cannotSpawn,
});
const noJitter = () => 0;

describe('decideRestart', () => {
  const cases: [string, RunRecord[], string][] = [
    ['a first crash after a stable run: at once', [run(0, 60_000)], 'respawn 0'],
    [
      'three quick ones in a row: still at once',
      [run(3000, 60_000), run(2000, 500), run(1000, 500), run(0, 500)],
      'respawn 0',
    ],
    [
      'the fourth short run in a row: backoff starts',
      [run(4000, 1500), run(3000, 1500), run(2000, 1500), run(0, 1500)],
      'respawn 250',
    ],
    [
      'the fourth that died within 1 s of starting: a crash loop',
      [run(4000, 500), run(3000, 500), run(2000, 500), run(0, 500)],
      'give-up',
    ],
    [
      'backoff is capped',
      Array.from({ length: 12 }, (_, i) => run(120_000 - i * 10_000, 1500)),
      `respawn ${RESTART_LIMITS.maxDelayMs}`,
    ],
    [
      'a stable run resets it',
      [run(5000, 500), run(4000, 500), run(3000, 500), run(2000, 500), run(1000, 10_000), run(0, 500)],
      'respawn 0',
    ],
    [
      'a run that never answered is not stable however long it hung',
      [run(40_000, 10_000, false), run(30_000, 10_000, false), run(20_000, 10_000, false), run(0, 10_000, false)],
      'give-up',
    ],
    [
      'four failures at start within the window: a crash loop',
      [run(3000, 100, false), run(2000, 100, false), run(1000, 100, false), run(0, 100, false)],
      'give-up',
    ],
    [
      'old failures outside the window do not count',
      [run(200_000, 100, false), run(190_000, 100, false), run(180_000, 100, false), run(0, 100, false)],
      'respawn 250',
    ],
    ['cannot spawn at all: give up at once', [run(0, 0, false, true)], 'give-up'],
  ];
  for (const [name, history, expected] of cases) {
    it(name, () => {
      const d = decideRestart(history, NOW, noJitter);
      assert.equal(d.action === 'respawn' ? `respawn ${d.delayMs}` : d.action, expected);
    });
  }
});

describe('endCause', () => {
  const cases: [string, Parameters<typeof endCause>[0], Parameters<typeof endCause>[1], string][] = [
    ['exit code', { kind: 'exit', code: 3, signal: null, ours: false }, undefined, 'exit: exit code 3'],
    [
      'a SIGKILL nobody here sent',
      { kind: 'exit', code: null, signal: 'SIGKILL', ours: false },
      undefined,
      'oom-like: SIGKILL (OOM killer or kill -9)',
    ],
    [
      'our own SIGKILL',
      { kind: 'exit', code: null, signal: 'SIGKILL', ours: true },
      undefined,
      'signal: signal SIGKILL',
    ],
    ['SIGTERM', { kind: 'exit', code: null, signal: 'SIGTERM', ours: false }, undefined, 'signal: signal SIGTERM'],
    [
      'replaced as wedged',
      { kind: 'exit', code: null, signal: 'SIGKILL', ours: true },
      { cause: 'wedge', detail: 'no output at all for 20 s' },
      'wedge: no output at all for 20 s',
    ],
    [
      'ENOENT',
      { kind: 'spawn-error', code: 'ENOENT', message: 'spawn x ENOENT' },
      undefined,
      'spawn-error: ENOENT: command not found (uvx)',
    ],
    [
      'EACCES',
      { kind: 'spawn-error', code: 'EACCES', message: 'spawn x EACCES' },
      undefined,
      'spawn-error: EACCES: not executable (permission denied) (uvx)',
    ],
  ];
  for (const [name, end, replaced, expected] of cases) {
    it(name, () => {
      const c = endCause(end, replaced, 'uvx');
      assert.equal(`${c.cause}: ${c.label}`, expected);
    });
  }
  it('the give-up message names the cause and the stderr tail', () => {
    assert.match(
      giveUpMessage(['uvx', 'srv'], 'exit code 1', 'it failed 4 times within 60 s', ['a', 'ImportError: x']),
      /"uvx srv" cannot run: exit code 1; .*ImportError: x/,
    );
    assert.match(giveUpMessage(['x'], 'exit code 1', 'why', []), /wrote nothing on stderr/);
  });
});

describe('redactCommand', () => {
  const cases: [string, string[], string[]][] = [
    [
      'plain',
      ['npx', '-y', '@modelcontextprotocol/server-memory'],
      ['npx', '-y', '@modelcontextprotocol/server-memory'],
    ],
    [
      'a secret flag and its value',
      ['server', '--api-key', 'sk-123', '--port', '3'],
      ['server', '--api-key', '«hidden»', '--port', '3'],
    ],
    ['flag=value', ['server', '--token=abc'], ['server', '--token=«hidden»']],
    [
      'docker -e KEY=value',
      ['docker', 'run', '-i', '-e', 'GITHUB_TOKEN=ghp_x', 'img'],
      ['docker', 'run', '-i', '-e', 'GITHUB_TOKEN=«hidden»', 'img'],
    ],
    ['a URL with a password', ['server', 'postgres://u:pw@db/x'], ['server', 'postgres://u:«hidden»@db/x']],
    ['a bearer token', ['server', 'Bearer abcdefgh'], ['server', 'Bearer «hidden»']],
  ];
  for (const [name, [cmd, ...args], expected] of cases)
    it(name, () => assert.deepEqual(redactCommand(cmd, args), expected));
});

describe('framing', () => {
  it('splits lines across chunks, drops \\r, skips blank lines', () => {
    const lines: string[] = [];
    const s = new LineSplitter(
      (l) => lines.push(l),
      () => assert.fail('overflow'),
    );
    s.push(Buffer.from('{"a":'));
    s.push(Buffer.from('1}\r\n\n{"b":2}\n{"c"'));
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}']);
  });
  it('refuses a line past the limit and goes on', () => {
    const lines: string[] = [];
    let overflow = 0;
    const s = new LineSplitter(
      (l) => lines.push(l),
      () => overflow++,
      10,
    );
    s.push(Buffer.from('x'.repeat(20)));
    s.push(Buffer.from('\n{"ok":1}\n'));
    assert.equal(overflow, 1);
    assert.deepEqual(lines, ['{"ok":1}']);
  });
  it('tells messages, non-JSON and non-JSON-RPC apart with the SDK schema', () => {
    assert.equal(parseLine('{"jsonrpc":"2.0","id":1,"method":"ping"}').kind, 'message');
    assert.equal(parseLine('Server starting...').kind, 'not-json');
    assert.equal(parseLine('{"id":1,"method":"ping"}').kind, 'not-jsonrpc');
  });
});

describe('the stdio-restart --json line', () => {
  it('validates against the one schema, and a broken one does not', () => {
    const line = jsonLine('stdio-restart', {
      command: ['node', 'server.js'],
      cause: 'oom-like',
      label: 'SIGKILL (OOM killer or kill -9)',
      exitCode: null,
      signal: 'SIGKILL',
      uptimeMs: 1200,
      previousPid: 42,
      action: 'respawn',
      delayMs: 0,
      restarts: 1,
      stderrTail: ['boom'],
      inFlight: { resent: 1, ambiguous: 0, held: 2 },
    });
    assert.equal(parseJsonLine(JSON.stringify(line)).type, 'stdio-restart');
    assert.throws(() => parseJsonLine(JSON.stringify({ ...line, cause: 'tired' })), /breaks the --json schema/);
  });
});

describe('wedgeVerdict', () => {
  const base: WedgeInput = {
    now: 100_000,
    lastByteAt: 100_000,
    oldestWaitSince: undefined,
    lastPingAt: 100_000,
    answered: true,
    canPing: true,
    wedgeMs: 20_000,
  };
  const cases: [string, Partial<WedgeInput>, string][] = [
    ['idle and talking: nothing to do', {}, 'ok'],
    ['idle and quiet for half the timeout: ping', { lastByteAt: 90_000, lastPingAt: 90_000 }, 'ping'],
    ['idle, quiet, a ping just sent: wait', { lastByteAt: 70_000, lastPingAt: 99_000 }, 'ok'],
    [
      'a request waits and nothing came for the timeout: wedged',
      { lastByteAt: 50_000, oldestWaitSince: 80_000, lastPingAt: 95_000 },
      'wedged 20000',
    ],
    [
      'silence before the request was sent does not count',
      { lastByteAt: 10_000, oldestWaitSince: 95_000, lastPingAt: 99_000 },
      'ok',
    ],
    ['a long call with pings answered meanwhile: not wedged', { lastByteAt: 99_000, oldestWaitSince: 40_000 }, 'ok'],
    [
      'a request waits, quiet for a third of the timeout: ping',
      { lastByteAt: 93_000, oldestWaitSince: 93_000, lastPingAt: 93_000 },
      'ping',
    ],
    ['a starting run gets three times as long', { lastByteAt: 50_000, oldestWaitSince: 50_000, answered: false }, 'ok'],
    [
      'a starting run silent for three timeouts: wedged',
      { lastByteAt: 40_000, oldestWaitSince: 40_000, answered: false },
      'wedged 60000',
    ],
    ['a run that ignores pings is not pinged', { lastByteAt: 90_000, lastPingAt: 90_000, canPing: false }, 'ok'],
  ];
  for (const [name, over, expected] of cases) {
    it(name, () => {
      const v = wedgeVerdict({ ...base, ...over });
      assert.equal(v.kind === 'wedged' ? `wedged ${v.silentMs}` : v.kind, expected);
    });
  }
});
