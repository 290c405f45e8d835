// GET /metrics scraped by a REAL Prometheus (Debian's package) while the upstream restarts, and the
// incident journal read by `incidents --json`: the heal counter rises, losses by cause match the incidents.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readJsonLine } from '../helpers/json-lines';
import { promtoolProblems, skipWithoutPrometheus, startPrometheus, type PrometheusServer } from '../helpers/prometheus';
import { freePort, startServer, type RunningServer } from '../helpers/servers';
import { startProxy, type ProxyProcess } from './cli';
import { connectClient, sleep, textOf } from './util';

const ROOT = join(__dirname, '..', '..');

function incidentsJson(args: string[]): Record<string, unknown>[] {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'incidents', '--json', ...args],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => readJsonLine(l));
}

/** GET with an explicit Host header (fetch would not send a foreign one). */
function getWithHost(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const sum = async (prom: PrometheusServer, q: string): Promise<number> =>
  (await prom.query(q)).reduce((n, s) => n + Number(s.value[1]), 0);

describe('Prometheus scrapes a running proxy while its upstream restarts', () => {
  let fx: RunningServer | undefined;
  let proxy: ProxyProcess | undefined;
  let prom: PrometheusServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'gw-metrics-'));
  after(async () => {
    await prom?.stop();
    await proxy?.kill();
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('heals_total rises with each restart; session_losses_total by cause matches `incidents --json`', async (t) => {
    if (skipWithoutPrometheus(t)) return;
    fx = await startServer('fixture', { testTools: true });
    const port = await freePort();
    const stateDir = join(dir, 'state');
    proxy = startProxy(['--upstream', fx.url, '--port', String(port), '--state-dir', stateDir, '--hold-timeout', '20']);
    const url = String((await proxy.waitFor((l) => l.type === 'listening')).url);

    // The same loopback rules as every other path; a clean exposition.
    assert.equal(await getWithHost(port, '/metrics', 'attacker.example'), 403);
    const first = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await first.text();
    assert.equal(promtoolProblems(text), '', 'promtool check metrics');
    assert.match(text, /^process_cpu_user_seconds_total /m, 'the process metrics are there');

    prom = await startPrometheus([`127.0.0.1:${port}`]);
    const c = await connectClient(url);
    try {
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      let since = Date.now();
      await prom.waitForScrape(since);
      const heals0 = await sum(prom, 'sum(archon_mcp_doctor_heals_total{server="archon"})');
      assert.equal(heals0, 0);
      assert.equal(
        await sum(prom, 'sum(archon_mcp_doctor_requests_total{server="archon",method="tools/call",outcome="ok"})'),
        1,
      );

      const restartDuringCall = async (): Promise<void> => {
        await fx!.kill();
        const call = c.client.callTool({ name: 'test_read', arguments: {} });
        await sleep(1000);
        await fx!.restart();
        assert.match(textOf(await call), /executions/, 'the held call is answered');
      };

      await restartDuringCall();
      since = Date.now();
      await prom.waitForScrape(since);
      const heals1 = await sum(prom, 'sum(archon_mcp_doctor_heals_total{server="archon"})');
      assert.ok(heals1 > heals0, `heals rose after the first restart (${heals0} → ${heals1})`);
      assert.ok((await sum(prom, 'archon_mcp_doctor_requests_held_total{server="archon"}')) >= 1);

      await sleep(16_000); // the first incident closes (its quiet period), so the next restart is a new one
      await restartDuringCall();
      since = Date.now();
      await prom.waitForScrape(since);
      const heals2 = await sum(prom, 'sum(archon_mcp_doctor_heals_total{server="archon"})');
      assert.ok(heals2 > heals1, `heals rose after the second restart (${heals1} → ${heals2})`);
      assert.equal(await sum(prom, 'archon_mcp_doctor_upstream_restarts_total{server="archon"}'), 2);

      const byCause = new Map(
        (await prom.query('sum by (cause) (archon_mcp_doctor_session_losses_total{server="archon"})')).map((s) => [
          s.metric.cause,
          Number(s.value[1]),
        ]),
      );
      const incidents = incidentsJson([
        '--state-dir',
        stateDir,
        '--gateway',
        `http://127.0.0.1:${port}`,
        '--server',
        'archon',
      ]);
      assert.equal(incidents.length, 2, JSON.stringify(incidents));
      for (const i of incidents) {
        assert.equal(i.type, 'incident');
        assert.equal(i.seenBy, 'proxy');
        assert.equal(i.source, 'both', 'the same records in the journal and at the status endpoint, printed once');
        assert.ok((i.calls as { held: number }).held >= 1 && (i.calls as { answered: number }).answered >= 1);
        assert.ok(Number(i.downtimeMs) >= 900, `downtime ${i.downtimeMs} ms`);
      }
      const fromIncidents = new Map<string, number>();
      for (const i of incidents) fromIncidents.set(String(i.cause), (fromIncidents.get(String(i.cause)) ?? 0) + 1);
      for (const [cause, n] of fromIncidents)
        assert.equal(byCause.get(cause), n, `session_losses_total{cause="${cause}"}`);
      assert.equal(
        [...byCause.values()].reduce((a, b) => a + b, 0),
        incidents.length,
      );
      assert.deepEqual(
        [...fromIncidents.keys()],
        ['process-restart'],
        'the upstream came back without the session: a process restart',
      );
    } finally {
      await c.close();
    }
  });
});
