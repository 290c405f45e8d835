// activate_ms and bundle_kb: load the production bundle and run activate() in plain Node.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { median, round, type Metrics } from './stats';
import { createStandIn, installStandIn } from './vscode-stand-in';

const BUNDLE = resolve('dist/extension.js');
const RUNS = 20;

export async function benchActivation(): Promise<Metrics> {
  // A closed port: activation must not wait for any server.
  const { vscode } = createStandIn({ servers: [{ name: 'Archon', url: 'http://127.0.0.1:9/mcp' }], pingIntervalSeconds: 10 });
  const uninstall = installStandIn(vscode);
  const req = createRequire(__filename);
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      delete req.cache[BUNDLE];
      const { context } = createStandIn({});
      const t0 = performance.now();
      const ext = req(BUNDLE) as { activate(c: unknown): Promise<void>; deactivate(): Promise<void> };
      await ext.activate(context);
      times.push(performance.now() - t0);
      await ext.deactivate();
      for (const d of context.subscriptions) d.dispose();
    }
  } finally {
    uninstall();
  }
  return {
    activate_ms: { value: round(median(times)), unit: 'ms' },
    bundle_kb: { value: round(statSync(BUNDLE).size / 1024, 1), unit: 'KB' },
  };
}
