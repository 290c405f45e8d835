// What one server's tools are known to be: annotations from the tools/list results that passed through,
// the known server it was recognized as, and the user's rules. Asked before a request may be resent.
import type { Tool } from '@modelcontextprotocol/server';
import { KNOWN_SERVERS, type KnownServer } from './known-servers';
import {
  NO_RULES,
  howToAllow,
  looksLikeRead,
  repeatVerdict,
  type RepeatRules,
  type RepeatVerdict,
  type ToolHints,
} from './repeat-policy';
import { asSpecType } from '../spec-type';

/** One tool's verdict, as the report, `status --json` and the tree show it. */
export interface ToolVerdictRow {
  tool: string;
  repeat: boolean;
  reason: RepeatVerdict['reason'];
  detail: string;
  /** For a read-looking tool nothing marks safe: the line that would. */
  suggestion?: string;
}

function hintsOf(tool: Tool): ToolHints {
  const a = tool.annotations;
  return { readOnly: a?.readOnlyHint, idempotent: a?.idempotentHint, destructive: a?.destructiveHint };
}

/** The tool a tools/call request names. */
export function toolNameOf(request: { method: string; params?: unknown }): string | undefined {
  if (request.method !== 'tools/call') return undefined;
  const params = request.params;
  if (typeof params !== 'object' || params === null || !('name' in params)) return undefined;
  return typeof params.name === 'string' ? params.name : undefined;
}

export class ToolKnowledge {
  private readonly hints = new Map<string, ToolHints>();
  private serverName: string | undefined;
  private known: KnownServer | undefined;

  constructor(public rules: RepeatRules = NO_RULES) {}

  /** Records the tools of a tools/list result; ignores anything that is not one. */
  learnTools(result: unknown): number {
    const list = asSpecType('ListToolsResult', result);
    if (!list) return 0;
    for (const tool of list.tools) this.hints.set(tool.name, hintsOf(tool));
    this.recognize();
    return list.tools.length;
  }

  /** Learns the server's name from an initialize result (or a serverInfo object). */
  learnServer(initializeResult: unknown): void {
    if (typeof initializeResult !== 'object' || initializeResult === null) return;
    const info = 'serverInfo' in initializeResult ? initializeResult.serverInfo : initializeResult;
    if (typeof info === 'object' && info !== null && 'name' in info && typeof info.name === 'string') {
      this.serverName = info.name;
      this.recognize();
    }
  }

  private recognize(): void {
    const name = this.serverName;
    this.known = KNOWN_SERVERS.find(
      (k) =>
        name !== undefined &&
        k.serverNames.includes(name) &&
        (this.hints.size === 0 || k.signatureTools.every((t) => this.hints.has(t))),
    );
  }

  get hasSeenTools(): boolean {
    return this.hints.size > 0;
  }

  get size(): number {
    return this.hints.size;
  }

  get knownServer(): KnownServer | undefined {
    return this.known;
  }

  verdict(request: { method: string; params?: unknown }): RepeatVerdict | 'ask-tools' {
    const tool = toolNameOf(request);
    const v = repeatVerdict({
      method: request.method,
      tool,
      hints: tool === undefined ? undefined : this.hints.get(tool),
      known: this.known,
      rules: this.rules,
    });
    // Nothing classifies it, but the server never said its name here (a session restored after a gateway
    // restart skips initialize): ask, since a re-made session tells who it is (a known server's tools).
    if (v !== 'ask-tools' && v.reason === 'unknown' && this.serverName === undefined && this.hints.size > 0)
      return 'ask-tools';
    return v;
  }

  /** Every known tool with its verdict and why, sorted by name. */
  explain(): ToolVerdictRow[] {
    return [...this.hints.keys()].sort().map((tool) => {
      const v = this.verdict({ method: 'tools/call', params: { name: tool } });
      const verdict: RepeatVerdict =
        v === 'ask-tools' ? { repeat: false, reason: 'unknown', detail: 'not in the tool list' } : v;
      const row: ToolVerdictRow = { tool, repeat: verdict.repeat, reason: verdict.reason, detail: verdict.detail };
      if (!verdict.repeat && verdict.reason === 'unknown' && looksLikeRead(tool)) {
        row.suggestion = `${tool} looks like a read: if it is, ${howToAllow(tool, this.rules)}`;
      }
      return row;
    });
  }
}
