// An HTTP hop in front of a server that forwards everything as it is, holding back the requests whose body
// `delayOf` picks: how a test makes an upstream answer slowly, or a message arrive late, on purpose.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DelayingHop {
  /** The target's URL through the hop (same path). */
  url: string;
  /** Requests held back so far. */
  held(): number;
  close(): Promise<void>;
}

export async function delayingHop(targetUrl: string, delayOf: (body: string) => number): Promise<DelayingHop> {
  const target = new URL(targetUrl);
  let held = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const delay = delayOf(body.toString('utf8'));
      if (delay > 0) held++;
      setTimeout(() => {
        const up = request(
          target,
          { method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        res.on('close', () => up.destroy());
        up.end(body);
      }, delay);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    held: () => held,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
