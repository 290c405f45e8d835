// Whether a request that may have reached the server may be sent again: the one place that decides.
// Pure. Three sources, in this order: the user's word (flags, settings, the server list), the tool's
// own annotations, built-in knowledge of known servers (known-servers.ts). Nothing known: never.
import { firstMatch } from './glob';
import type { KnownServer } from './known-servers';

export interface ToolHints {
  readOnly?: boolean;
  idempotent?: boolean;
  destructive?: boolean;
}

/** The user's word for one server: tool-name globs. */
export interface RepeatRules {
  repeatSafe: readonly string[];
  neverRepeat: readonly string[];
  /** How the user says it where these rules come from: a CLI flag or the VS Code setting. */
  via?: 'flag' | 'setting' | 'server-list';
  /** With `via: 'flag'`: what takes the flag, in words ('the gateway', 'the stdio supervisor'). */
  flagOf?: string;
  /** The server's label, as the VS Code setting keys it. */
  serverLabel?: string;
}

export const NO_RULES: RepeatRules = { repeatSafe: [], neverRepeat: [] };

export const REPEAT_REASONS = ['not-a-tool-call', 'your-setting', 'annotation', 'known-server', 'unknown'] as const;
export type RepeatReason = (typeof REPEAT_REASONS)[number];

export interface RepeatVerdict {
  repeat: boolean;
  reason: RepeatReason;
  /** In words: which setting, annotation or table entry decided. */
  detail: string;
}

export interface RepeatQuestion {
  method: string;
  /** The tool a tools/call names. */
  tool?: string;
  /** The tool's annotations from the last tools/list; undefined when no tools/list named it. */
  hints?: ToolHints;
  /** The known server this upstream was recognized as. */
  known?: KnownServer;
  rules: RepeatRules;
}

/** The words that would let `tool` be repeated, for an answer that says it was not. */
export function howToAllow(tool: string, rules: RepeatRules): string {
  if (rules.via === 'server-list') {
    return `add "${tool}" to "repeatSafe" of "${rules.serverLabel ?? '<server>'}" in the shared server list (archon-mcp-doctor servers add <name> <url> --repeat-safe '${tool}')`;
  }
  if (rules.via === 'setting') {
    return `add "${tool}" under "${rules.serverLabel ?? '<server>'}" in the setting archonMcpDoctor.repeatSafeTools`;
  }
  return `run ${rules.flagOf ?? 'the gateway'} with --repeat-safe '${tool}'`;
}

/** 'ask-tools': the tool was in no tools/list seen yet; learn the list, then ask again. */
export function repeatVerdict(q: RepeatQuestion): RepeatVerdict | 'ask-tools' {
  if (q.method !== 'tools/call') {
    return { repeat: true, reason: 'not-a-tool-call', detail: `${q.method} changes nothing on the server` };
  }
  const tool = q.tool;
  if (tool === undefined) return { repeat: false, reason: 'unknown', detail: 'a tools/call that names no tool' };
  const never = firstMatch(q.rules.neverRepeat, tool);
  if (never !== undefined)
    return { repeat: false, reason: 'your-setting', detail: `never repeated by your rule '${never}'` };
  const safe = firstMatch(q.rules.repeatSafe, tool);
  if (safe !== undefined) return { repeat: true, reason: 'your-setting', detail: `repeat-safe by your rule '${safe}'` };
  const hints = q.hints;
  if (hints?.destructive === true && hints.readOnly !== true) {
    return { repeat: false, reason: 'annotation', detail: 'annotated destructiveHint' };
  }
  if (hints?.readOnly === true) return { repeat: true, reason: 'annotation', detail: 'annotated readOnlyHint' };
  if (hints?.idempotent === true) return { repeat: true, reason: 'annotation', detail: 'annotated idempotentHint' };
  if (q.known) {
    const knownNever = firstMatch(q.known.never, tool);
    if (knownNever !== undefined) {
      return { repeat: false, reason: 'known-server', detail: `known server ${q.known.label}: '${knownNever}' writes` };
    }
    const knownSafe = firstMatch(q.known.repeat, tool);
    if (knownSafe !== undefined) {
      return {
        repeat: true,
        reason: 'known-server',
        detail: `known server ${q.known.label}: '${knownSafe}' only reads`,
      };
    }
  }
  if (hints === undefined) return 'ask-tools';
  return {
    repeat: false,
    reason: 'unknown',
    detail: 'not annotated read-only or idempotent, and nothing else says it is safe',
  };
}

const READ_LIKE = /^(get|list|find|search|read|fetch|query|describe|show|view|lookup|health|status)(_|[A-Z]|$)/;

/** A tool whose name looks like a read that nothing marks safe: worth a suggestion, never a decision. */
export function looksLikeRead(tool: string): boolean {
  return READ_LIKE.test(tool);
}
