// A POST body, read once (capped): by the endpoint so the era can be decided before a path is chosen (the
// session path then gets the same parsed body), or by a 2025 session itself. No SDK import: the front is loaded lazily.
import type { IncomingMessage } from 'node:http';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../json-depth';

/** A POST body: over the gateway's limit (the rest was discarded), or its JSON, parsed once for every path. */
export type PreReadBody =
  | 'too-large'
  | { json: unknown; malformed: false }
  | { json: undefined; malformed: true; tooDeep: boolean };

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
    req.on('end', () => resolve(over ? 'too-large' : parse(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))));
    req.on('error', () => resolve(parse(Buffer.alloc(0))));
  });
}

function parse(bytes: Buffer): PreReadBody {
  if (nestedDeeperThan(bytes, MAX_JSON_DEPTH)) return { json: undefined, malformed: true, tooDeep: true };
  try {
    const json: unknown = JSON.parse(bytes.toString('utf8'));
    return { json, malformed: false };
  } catch {
    return { json: undefined, malformed: true, tooDeep: false };
  }
}

/** The body's JSON; undefined when it is over the limit or not JSON (the 2025 path answers those as it always has). */
export function jsonOf(body: PreReadBody): unknown {
  return body === 'too-large' ? undefined : body.json;
}
