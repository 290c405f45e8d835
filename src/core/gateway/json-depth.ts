// How deep a JSON message nests, told without recursion. JSON.parse copes with any depth, but what
// comes after it recurses (JSON.stringify on the way upstream, the SDK's schemas): around 4,000 levels
// of arrays overflow the stack. The gateway refuses such input before any of that runs.

/** The deepest nesting of arrays and objects the gateway accepts: far beyond any real MCP message (Jackson's default). */
export const MAX_JSON_DEPTH = 1000;

const DETAIL = `nested too deeply (more than ${MAX_JSON_DEPTH} levels of arrays and objects)`;
/** The HTTP answer's message (a parse error: the body is refused before it is parsed). */
export const TOO_DEEP_BODY_MESSAGE = `Parse error: the body is ${DETAIL}`;
/** The stdio bridge's (the transport has parsed the line already: an invalid request). */
export const TOO_DEEP_MESSAGE_MESSAGE = `Invalid Request: the message is ${DETAIL}`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * True when the JSON text in `bytes` opens more than `limit` arrays or objects inside one another: one
 * pass over the bytes, brackets inside strings skipped. UTF-8 continuation bytes are never ASCII, so
 * scanning bytes is exact. A text shorter than the limit cannot be that deep (the hot path's bodies
 * skip the scan). Not a validator: JSON.parse still decides what is JSON.
 */
export function nestedDeeperThan(bytes: Uint8Array, limit: number): boolean {
  if (bytes.length <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The same for a value already parsed: a walk with its own stack, which stops at the first level too deep. */
export function valueDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
