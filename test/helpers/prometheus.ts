// A real Prometheus server (Debian's `prometheus` package) for tests: started with a scrape config for
// the given targets, queried over its HTTP API, stopped by its PID. Missing binary: the test skips on a
// laptop and FAILS under CI=true (scripts/setup-prometheus.sh installs it there).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './servers';

export interface PrometheusServer {
  url: string;
  /** Runs an instant PromQL query; the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Resolves once every target was scraped successfully at least once after `since` (ms). */
  waitForScrape(since: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function binaryProblem(name: string): string | undefined {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  // promtool --version prints to stdout, prometheus to stderr: only whether it ran matters.
  return r.error ? `${name} is not installed (apt-get install -y --no-install-recommends prometheus)` : undefined;
}

/** True when the test must return (skipped): `prometheus` or `promtool` is missing. Throws under CI=true. */
export function skipWithoutPrometheus(t: TestContext): boolean {
  const why = binaryProblem('prometheus') ?? binaryProblem('promtool');
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  t.skip(why);
  return true;
}

/** `promtool check metrics` on an exposition: its complaints, or '' when clean. */
export function promtoolProblems(text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim() || `promtool exited ${r.status}`;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startPrometheus(targets: string[], scrapeIntervalS = 1): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${scrapeIntervalS}s`,
      `  scrape_timeout: ${scrapeIntervalS}s`,
      'scrape_configs:',
      '  - job_name: archon-mcp-doctor',
      '    static_configs:',
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-10_000);
  });
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      running.delete(child);
      r();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus did not get ready: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    async query(promql) {
      return (
        await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
          `/api/v1/query?query=${encodeURIComponent(promql)}`,
        )
      ).result;
    },
    async waitForScrape(since, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const { activeTargets } = await api<{
          activeTargets: { health: string; lastScrape: string; lastError: string }[];
        }>('/api/v1/targets');
        if (activeTargets.length && activeTargets.every((t) => t.health === 'up' && Date.parse(t.lastScrape) > since))
          return;
        if (Date.now() > end) throw new Error(`no fresh successful scrape: ${JSON.stringify(activeTargets)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
