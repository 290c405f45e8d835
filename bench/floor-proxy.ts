// The floor for the gateway benchmark: a plain byte-forwarding HTTP proxy (node:http, keep-alive
// agent) that pipes request and response bytes to and from one upstream URL, parsing nothing. What
// any proxy in the path costs at least (a second hop, a second connection); the gateway's own work
// is what it costs beyond that. Loopback only; it refuses a Host that is not loopback (as the gateway does).
// The benchmark runs it as its own process (spawnFloorProxy), as the gateway runs, so both hops cost
// the same process switches and their CPU can be read alike from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export interface FloorProxy {
  /** The client URL: the upstream's path on the proxy's port. */
  readonly url: string;
  close(): Promise<void>;
}

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

export async function startFloorProxy(upstreamUrl: string): Promise<FloorProxy> {
  const upstream = new URL(upstreamUrl);
  if (upstream.protocol !== 'http:') throw new Error(`the floor proxy forwards http:// only, not ${upstream.protocol}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server: Server = createServer((req, res) => {
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('the floor proxy serves loopback clients only');
      return;
    }
    const up = request({
      hostname: upstream.hostname,
      port: upstream.port || 80,
      path: req.url,
      method: req.method,
      headers: { ...forwardable(req.headers), host: upstream.host },
      agent,
    });
    up.on('response', (ur) => {
      res.writeHead(ur.statusCode ?? 502, forwardable(ur.headers));
      ur.pipe(res);
      ur.on('error', () => res.destroy());
    });
    up.on('error', () => {
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' }).end('the floor proxy could not reach the upstream');
      else res.destroy();
    });
    // The client gave up (or a stream such as SSE is closed): so does the upstream exchange.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}${upstream.search}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface FloorProxyProcess extends FloorProxy {
  readonly pid: number;
}

/** Runs the floor proxy as a child process (`node --import tsx bench/floor-proxy.ts <upstream>`). */
export async function spawnFloorProxy(upstreamUrl: string): Promise<FloorProxyProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', __filename, upstreamUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the floor proxy did not start within 20 s')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(String((JSON.parse(line) as { url: string }).url));
    });
    void exited.then(() => reject(new Error(`the floor proxy exited (${child.exitCode})`)));
  });
  child.stdout!.resume();
  return {
    url,
    pid: child.pid ?? -1,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

if (require.main === module) {
  const upstream = process.argv[2];
  if (!upstream) {
    process.stderr.write('usage: node --import tsx bench/floor-proxy.ts <upstream http URL>\n');
    process.exit(2);
  }
  // Leaves when its parent is gone (a benchmark killed without cleanup).
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(1);
    }
  }, 1000).unref();
  startFloorProxy(upstream).then(
    (proxy) => {
      process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
      process.once('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
    },
    (err) => {
      process.stderr.write(`floor proxy: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
