// `npm run bench`: every benchmark in one run, a table on stdout and bench-results.json.
import { writeFileSync } from 'node:fs';
import { benchActivation } from './activate';
import { benchDocker } from './docker';
import { benchDockerGateway } from './docker-gateway';
import { benchGateway } from './gateway';
import { benchModernGateway } from './modern-gateway';
import { benchMonitor } from './monitor';
import { benchMonitorMemory } from './monitor-memory';
import { benchStdio } from './stdio';
import { benchStdioSupervised } from './stdio-supervised';
import type { Metrics } from './stats';

/** Targets from the issues, for the table only: benchmarks measure, they do not pass or fail. */
const TARGETS: Record<string, string> = {
  detect_ms: '< 1000',
  heal_ms: '< 250',
  bundle_kb: '< 1024',
  activate_ms: '< 50',
  docker_detect_ms: '< 200',
  docker_heal_ms: '< 250',
  watcher_cpu_pct: '< 1',
  gateway_p50_overhead_ms: '< 1',
  gateway_p99_overhead_ms: '< 5',
  gateway_throughput_ratio: '> 0.8',
  gateway_floor_ratio: '<= 1.2',
  gateway_2026_floor_ratio: '<= 1.5',
  gateway_2026_throughput_ratio: '>= 0.8',
  monitor_state_bytes_per_server: '<= 2048',
  failure_record_bytes: '<= 128',
  failure_history_bytes_per_server: '<= 4096',
  chaos_client_errors: '0',
  modern_chaos_client_errors: '0',
  stdio_supervised_p50_overhead_ms: '< 0.3',
  stdio_supervised_v2_p50_overhead_ms: '< 0.3',
};

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const sections: [string, () => Promise<Metrics>][] = [
    ['monitor', benchMonitor],
    ['monitor-memory', benchMonitorMemory],
    ['activation', benchActivation],
    ['gateway', benchGateway],
    ['modern-gateway', benchModernGateway],
    ['stdio', benchStdio],
    ['stdio-supervised', benchStdioSupervised],
    ['docker', benchDocker],
    ['docker-gateway', benchDockerGateway],
  ];
  const results: Metrics = {};
  for (const [name, run] of sections) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    try {
      Object.assign(results, await run());
    } catch (err) {
      process.stderr.write(`bench: ${name} failed: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    }
  }
  const rows = Object.entries(results).map(
    ([k, m]) =>
      `| ${k.padEnd(38)} | ${String(m.value).padStart(10)} | ${m.unit.padEnd(6)} | ${(TARGETS[k] ?? '').padEnd(8)} |`,
  );
  process.stdout.write(
    `| ${'metric'.padEnd(38)} | ${'median'.padStart(10)} | ${'unit'.padEnd(6)} | ${'target'.padEnd(8)} |\n|${'-'.repeat(40)}|${'-'.repeat(12)}|${'-'.repeat(8)}|${'-'.repeat(10)}|\n${rows.join('\n')}\n`,
  );
  writeFileSync('bench-results.json', `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(),
  (err) => {
    process.stderr.write(`${err}\n`);
    process.exit(1);
  },
);
