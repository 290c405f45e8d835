// `node dist/cli.js docker-gateway` where there is no engine to talk to, and with bad arguments:
// a clear message, one JSON error line with --json, and an exit code that says what happened.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { readJsonLine } from '../helpers/json-lines';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'archon-dgw-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/cli.js', 'docker-gateway', ...args], {
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

test('no Docker at the socket: exit 1, "no-docker" and where it looked', async () => {
  const missing = join(scratch, 'no-such-docker.sock');
  for (const action of [
    ['status'],
    ['down'],
    ['up', '--upstream', 'http://localhost:8051/mcp', '--upstream-container', 'archon-mcp'],
  ]) {
    const r = await cli(...action, '--docker-socket', missing, '--json');
    assert.equal(r.code, 1, `${action[0]}: ${r.stderr}`);
    const line = readJsonLine(r.stdout.trim()) as Record<string, unknown>;
    assert.equal(line.type, 'docker-gateway-error');
    assert.ok(!Number.isNaN(Date.parse(String(line.t))));
    assert.equal(line.code, 'no-docker', r.stdout);
    assert.ok(String(line.message).includes(missing), String(line.message));
    assert.match(r.stderr, /Is Docker running\?/);
  }
});

test('a socket path that is not an engine (a plain file): a clear Docker error, not a crash', async () => {
  const file = join(scratch, 'not-a-socket');
  writeFileSync(file, 'hello');
  const r = await cli('status', '--docker-socket', file, '--json');
  assert.equal(r.code, 1);
  const line = readJsonLine(r.stdout.trim()) as Record<string, unknown>;
  assert.ok(['no-docker', 'docker-error'].includes(String(line.code)), r.stdout);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('bad arguments: exit 2 and the usage', async () => {
  const cases: [string[], RegExp][] = [
    [['up', '--upstream-container', 'archon-mcp'], /missing --upstream <url>/],
    [['up', '--upstream', 'http://localhost:8051/mcp'], /missing --upstream-container <name>/],
    [
      ['up', '--upstream', 'http://localhost:8051/mcp', '--upstream-container', 'a', '--port', '70000'],
      /--port must be 1\.\.65535/,
    ],
    [['up', '--upstream', '--json', '--upstream-container', 'a'], /missing --upstream <url>/],
    [['status', '--port', '1'], /status takes only --docker-socket and --json/],
    [['restart'], /unknown action "restart"/],
    [[], /missing action/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /usage: archon-mcp-doctor docker-gateway up/);
  }
  const help = await cli('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--with-docker-socket.*root on this machine/s);
});
