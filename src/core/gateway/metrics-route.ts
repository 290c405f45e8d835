// GET /metrics: the Prometheus exposition of a gateway. The route runs behind the same loopback and
// Host/Origin checks as every other path (gateway.ts); prom-client is loaded on the first scrape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../narrow';
import type * as Lib from './metrics-lib';
import type { MetricsInput } from './metrics-input';

export type { MetricsInput, MetricsServer } from './metrics-input';

export const METRICS_PATH = '/metrics';

let lib: typeof Lib | undefined;
function metricsLib(): typeof Lib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  lib ??= require('./metrics-lib') as typeof Lib;
  return lib;
}

export async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  input: () => MetricsInput,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    res.end('Method not allowed: GET /metrics\n');
    return;
  }
  let body: { contentType: string; text: string };
  try {
    body = await metricsLib().renderMetrics(input());
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`metrics are not available: ${errorMessage(err)}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': body.contentType,
    'content-length': Buffer.byteLength(body.text),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body.text);
}
