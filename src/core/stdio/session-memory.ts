// What the client set up in its session, kept so that a new server run can be given the same session:
// the client's own initialize, the logging level, resource subscriptions, and the lists it was shown
// (to tell the client when the new run's tools, prompts or resources differ).
import type { JSONRPCRequest } from '@modelcontextprotocol/client';
import { isRecord } from '../narrow';

export const LIST_KINDS = ['tools', 'prompts', 'resources'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** A list result without paging and meta, as text to compare. */
function listKey(kind: ListKind, result: unknown): string | undefined {
  const items = record(result)?.[kind];
  return Array.isArray(items) ? JSON.stringify(items) : undefined;
}

export class SessionMemory {
  /** The client's initialize params (replayed verbatim to every new run). */
  initializeParams: JSONRPCRequest['params'];
  clientInitialized = false;
  level: string | undefined;
  readonly subscriptions = new Set<string>();
  private readonly lists = new Map<ListKind, string>();

  /** Learns from a request the server answered with a result. */
  answered(request: JSONRPCRequest, result: unknown): void {
    const params = record(request.params);
    switch (request.method) {
      case 'initialize':
        // Only an initialize the server accepted is worth replaying.
        this.initializeParams = request.params;
        break;
      case 'logging/setLevel':
        if (typeof params?.level === 'string') this.level = params.level;
        break;
      case 'resources/subscribe':
        if (typeof params?.uri === 'string') this.subscriptions.add(params.uri);
        break;
      case 'resources/unsubscribe':
        if (typeof params?.uri === 'string') this.subscriptions.delete(params.uri);
        break;
      default: {
        const kind = LIST_KINDS.find((k) => request.method === `${k}/list`);
        // Only the first page: that is what a list_changed comparison can stand on.
        if (kind && params?.cursor === undefined) {
          const key = listKey(kind, result);
          if (key !== undefined) this.lists.set(kind, key);
        }
      }
    }
  }

  /** The lists the client has seen, to ask the new run for. */
  shownLists(): ListKind[] {
    return LIST_KINDS.filter((k) => this.lists.has(k));
  }

  /** Whether the new run's list differs from what the client was shown; remembers the new one. */
  changed(kind: ListKind, result: unknown): boolean {
    const key = listKey(kind, result);
    if (key === undefined) return false;
    const before = this.lists.get(kind);
    this.lists.set(kind, key);
    return before !== undefined && before !== key;
  }

  /** Requests that restore the client's settings on a new run, after initialize. */
  restoreRequests(): { method: string; params: Record<string, unknown> }[] {
    const out: { method: string; params: Record<string, unknown> }[] = [];
    if (this.level !== undefined) out.push({ method: 'logging/setLevel', params: { level: this.level } });
    for (const uri of this.subscriptions) out.push({ method: 'resources/subscribe', params: { uri } });
    return out;
  }
}
