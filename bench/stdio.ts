// Stdio bridges side by side in one run against the same Archon-like fixture: tools/call latency through
// `archon-mcp-doctor stdio` (dist/cli.js) and through mcp-remote (npm), each minus a direct Streamable
// HTTP connection. Rounds alternate direct / stdio / mcp-remote so drift hits all three alike.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer } from '../test/helpers/servers';
import { bridgeCommand, connectStdio, mcpRemoteCommand } from '../test/gateway/stdio-util';
import { printMetrics, percentile, round, type Metrics } from './stats';

const ROUNDS = 10;
const CALLS_PER_ROUND = 100;

const readCall = (c: Client) => c.callTool({ name: 'test_read', arguments: {} });

export async function benchStdio(): Promise<Metrics> {
  const fx = await startServer('fixture', { testTools: true });
  const direct = new Client({ name: 'bench-direct', version: '1.0.0' });
  const bridge = await connectStdio(bridgeCommand(fx.url, ['--quiet']), 'bench-stdio');
  const remote = await connectStdio(mcpRemoteCommand(fx.url), 'bench-mcp-remote');
  try {
    await direct.connect(new StreamableHTTPClientTransport(new URL(fx.url)));
    const clients = [direct, bridge.client, remote.client];
    for (let i = 0; i < 100; i++) await Promise.all(clients.map(readCall)); // warm-up
    const samples: number[][] = clients.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [k, client] of clients.entries()) {
        for (let i = 0; i < CALLS_PER_ROUND; i++) {
          const t = performance.now();
          await readCall(client);
          samples[k].push(performance.now() - t);
        }
      }
    }
    const [d, s, m] = samples.map((x) => percentile(x, 50));
    return {
      stdio_p50_overhead_ms: { value: round(s - d, 3), unit: 'ms' },
      mcp_remote_p50_overhead_ms: { value: round(m - d, 3), unit: 'ms' },
      stdio_p50_direct_ms: { value: round(d, 3), unit: 'ms' },
      // Latency through the bridge as a fraction of the latency through mcp-remote (lower is better).
      stdio_mcp_remote_p50_ratio: { value: round(s / m, 3), unit: 'ratio' },
    };
  } finally {
    await Promise.all([direct.close().catch(() => undefined), bridge.close(), remote.close()]);
    await fx.stop();
  }
}

if (require.main === module) {
  printMetrics(benchStdio);
}
