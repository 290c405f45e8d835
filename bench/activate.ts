// activate_ms, ready_ms and bundle_kb: load the production bundle and run activate() in plain Node.
// activate_ms ends when activate() returns (the extension host waits for that); ready_ms ends when the
// core it loads right after has read the settings and started every monitor.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, round, type Metrics } from './stats';
import { createStandIn, installStandIn } from './vscode-stand-in';

const BUNDLE = resolve('dist/extension.js');
const RUNS = 20;

export async function benchActivation(): Promise<Metrics> {
  // The extension's state and the shared server list in a scratch folder, not the user's: what it
  // reads and writes there at start (the CLI copy for routed stdio servers) is the same work.
  const scratch = mkdtempSync(join(tmpdir(), 'bench-activate-'));
  const saved = { state: process.env.ARCHON_MCP_DOCTOR_STATE_DIR, config: process.env.ARCHON_MCP_DOCTOR_CONFIG_DIR };
  process.env.ARCHON_MCP_DOCTOR_STATE_DIR = join(scratch, 'state');
  process.env.ARCHON_MCP_DOCTOR_CONFIG_DIR = join(scratch, 'config');
  // A closed port: activation must not wait for any server.
  const { vscode } = createStandIn({
    servers: [{ name: 'Archon', url: 'http://127.0.0.1:9/mcp' }],
    pingIntervalSeconds: 10,
  });
  const uninstall = installStandIn(vscode);
  const req = createRequire(__filename);
  const times: number[] = [];
  const ready: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      delete req.cache[BUNDLE];
      const { context } = createStandIn({});
      const t0 = performance.now();
      const ext = req(BUNDLE) as { activate(c: unknown): { ready(): Promise<void> }; deactivate(): Promise<void> };
      const api = ext.activate(context);
      times.push(performance.now() - t0);
      await api.ready();
      ready.push(performance.now() - t0);
      await ext.deactivate();
      for (const d of context.subscriptions) d.dispose();
    }
  } finally {
    uninstall();
    restoreEnv('ARCHON_MCP_DOCTOR_STATE_DIR', saved.state);
    restoreEnv('ARCHON_MCP_DOCTOR_CONFIG_DIR', saved.config);
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    activate_ms: { value: round(median(times)), unit: 'ms' },
    ready_ms: { value: round(median(ready)), unit: 'ms' },
    bundle_kb: { value: round(statSync(BUNDLE).size / 1024, 1), unit: 'KB' },
  };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
