// Which requests may be sent twice when the server died before answering. Pure logic.
import type { JSONRPCRequest } from '@modelcontextprotocol/server';
import { asSpecType } from './spec';

export interface ToolSafety {
  readOnly: boolean;
  idempotent: boolean;
}

/** Tool annotations learned from tools/list results that passed through (or that we asked for). */
export class ToolRegistry {
  private readonly tools = new Map<string, ToolSafety>();

  /** Records the tools of a tools/list result; ignores anything that is not one. */
  learn(result: unknown): number {
    const list = asSpecType('ListToolsResult', result);
    if (!list) return 0;
    for (const tool of list.tools) {
      this.tools.set(tool.name, {
        readOnly: tool.annotations?.readOnlyHint === true,
        idempotent: tool.annotations?.idempotentHint === true,
      });
    }
    return list.tools.length;
  }

  get(name: string): ToolSafety | undefined {
    return this.tools.get(name);
  }

  get size(): number {
    return this.tools.size;
  }
}

export type ResendVerdict = 'safe' | 'unsafe' | 'unknown';

/** The tool a tools/call request names, if it is one. */
export function toolNameOf(request: JSONRPCRequest): string | undefined {
  if (request.method !== 'tools/call') return undefined;
  const name = (request.params as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Any method but tools/call is safe to repeat; a tool only when its annotations say readOnlyHint or
 * idempotentHint. `unknown`: a tool we have no annotations for (ask upstream, then decide).
 */
export function resendVerdict(request: JSONRPCRequest, tools: ToolRegistry): ResendVerdict {
  if (request.method !== 'tools/call') return 'safe';
  const name = toolNameOf(request);
  if (!name) return 'unsafe';
  const safety = tools.get(name);
  if (!safety) return 'unknown';
  return safety.readOnly || safety.idempotent ? 'safe' : 'unsafe';
}
