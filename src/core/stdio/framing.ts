// Newline-delimited JSON-RPC, as MCP's stdio transport frames it. The SDK's ReadBuffer skips a line that
// is not JSON without a word; the supervisor must answer a client's bad line and report a server's, so
// it splits lines itself and validates each with the SDK's own parseJSONRPCMessage (the spec schema).
import { parseJSONRPCMessage, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { errorMessage } from '../narrow';

export type ParsedLine =
  | { kind: 'message'; message: JSONRPCMessage; line: string }
  | { kind: 'not-json'; line: string; error: string }
  | { kind: 'not-jsonrpc'; line: string; error: string };

export function parseLine(line: string): ParsedLine {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (e) {
    return { kind: 'not-json', line, error: errorMessage(e) };
  }
  try {
    return { kind: 'message', message: parseJSONRPCMessage(json), line };
  } catch (e) {
    return { kind: 'not-jsonrpc', line, error: errorMessage(e).slice(0, 200) };
  }
}

/** Splits a byte stream into lines (without '\n' or a trailing '\r'), refusing a line past maxBytes. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (bytes: number) => void,
    private readonly maxBytes = 10 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const whole = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.size = 0;
      start = nl + 1;
      let line = whole.toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length > 0) this.onLine(line);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.size += rest.length;
      if (this.size > this.maxBytes) {
        const bytes = this.size;
        this.parts = [];
        this.size = 0;
        this.onOverflow(bytes);
        return;
      }
      this.parts.push(rest);
    }
  }
}
