// `node dist/cli.js watch` against a real server: JSON lines per transition, Ctrl-C exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { readJsonLine } from '../helpers/json-lines';
import { freePort, startServer, type RunningServer } from '../helpers/servers';

const servers: RunningServer[] = [];
const children: ReturnType<typeof spawn>[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['dist/cli.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line: Record<string, unknown> = readJsonLine(text);
    lines.push(line);
    for (const w of [...waiters])
      if (w.predicate(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = (predicate: (l: Record<string, unknown>) => boolean, what: string, timeoutMs = 20_000) =>
    lines.some(predicate)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no line with ${what}; got ${JSON.stringify(lines)}; stderr ${stderr}`)),
            timeoutMs,
          );
          waiters.push({
            predicate,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
  return { child, lines, until, exited, stderr: () => stderr };
}

test('watch --json prints one object per transition and exits 0 on Ctrl-C', async () => {
  const server = await startServer('fixture');
  servers.push(server);
  const cli = runCli([
    'watch',
    server.url,
    '--name',
    'Archon',
    '--interval',
    '2',
    '--health-url',
    server.healthUrl!,
    '--json',
  ]);
  await cli.until((l) => l.state === 'healthy', 'healthy');
  const first = cli.lines.find((l) => l.state === 'healthy')!;
  for (const key of ['type', 't', 'server', 'state', 'from', 'reason', 'sessionId', 'latencyMs'])
    assert.ok(key in first, `field ${key}`);
  assert.equal(first.type, 'transition');
  assert.equal(first.reason, 'connected');
  assert.equal(first.server, 'Archon');
  assert.match(String(first.sessionId), /^[0-9a-f]{8}…[0-9a-f]{4}$/, 'session id shortened');
  assert.ok(!Number.isNaN(Date.parse(String(first.t))));

  // Let the server run a little, as a real one would, so that its uptime reading can drop.
  await new Promise((r) => setTimeout(r, 2_000));
  await server.restart();
  await cli.until((l) => l.state === 'healthy' && l !== first, 'healthy again');
  const loss = cli.lines.find((l) => l.state === 'session-lost' || l.state === 'unreachable');
  assert.ok(loss, `a loss line: ${JSON.stringify(cli.lines)}`);
  const lost = cli.lines.find((l) => l.state === 'session-lost');
  if (lost) {
    const lossOf = lost.loss as { cause: string; label: string; evidence: unknown[] } | undefined;
    assert.ok(lossOf && Array.isArray(lossOf.evidence), 'session-lost lines carry the loss with its evidence');
    assert.equal(lossOf.cause, 'process-restart');
    assert.equal(lost.failure, 'unknown-session', 'the failure kind, apart from the root cause');
  }
  // Root causes only on the lines that record a loss.
  for (const l of cli.lines) if (l.state !== 'session-lost') assert.equal(l.loss, undefined, JSON.stringify(l));
  const healthy = cli.lines.filter((l) => l.state === 'healthy');
  assert.notEqual(healthy.at(-1)!.sessionId, first.sessionId, 'new session');

  cli.child.kill('SIGINT');
  assert.equal(await cli.exited, 0);
});

test('watch with a bad URL explains itself and exits 2', async () => {
  const cli = runCli(['watch', 'not-a-url']);
  assert.equal(await cli.exited, 2);
  assert.match(cli.stderr(), /not an http\(s\) URL/);
});

test('watch against an unreachable server reports unreachable, not a crash', async () => {
  const cli = runCli(['watch', `http://127.0.0.1:${await freePort()}/mcp`, '--json']);
  await cli.until((l) => l.state === 'unreachable', 'unreachable');
  assert.match(String(cli.lines[0].message), /ECONNREFUSED/);
  assert.equal(cli.lines[0].failure, 'unreachable');
  assert.equal(cli.lines[0].reason, 'heal-failed');
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});
