// A POST body, read once (capped): by the endpoint so the era can be decided before a path is chosen (both
// paths then get the same bytes), or by a 2025 session itself. No SDK import: the front is loaded lazily.
import type { IncomingMessage } from 'node:http';

/** A POST body as text, or 'too-large' (the rest was discarded) past the gateway's limit. */
export type PreReadBody = string | 'too-large';

export function readBodyOnce(req: IncomingMessage, max: number): Promise<PreReadBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

/** The body as JSON, or undefined when it is not (the 2025 path answers that as it always has). */
export function parseBody(body: PreReadBody): unknown {
  if (body === 'too-large' || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
