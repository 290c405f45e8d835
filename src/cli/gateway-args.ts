// Options that `proxy` and `stdio` share: the upstream, its container, the state dir, the hold timeout.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GATEWAY_DEFAULTS } from '../core/gateway';
import { argumentProblem } from './registry';
import { parseGlobList, type RepeatRules } from '../core/healing';
import { DEFAULT_STATE_DIR } from '../core/defaults';

export interface GatewayArgs {
  /** '' when none was given and the caller allows that (`proxy` then serves the shared server list). */
  upstream: string;
  container?: string;
  dockerSocket?: string;
  stateDir: string;
  holdTimeoutMs: number;
  /** --repeat-safe / --never-repeat: the user's word on which tools may run twice. */
  repeat: RepeatRules;
}

export const GATEWAY_OPTIONS = {
  upstream: { type: 'string' },
  container: { type: 'string' },
  'docker-socket': { type: 'string' },
  'state-dir': { type: 'string' },
  'hold-timeout': { type: 'string' },
  'repeat-safe': { type: 'string', multiple: true },
  'never-repeat': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Why `value` of `flag` is not an http(s) URL, or undefined when it is one (or absent). */
export function httpUrlProblem(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : `${flag} must be an http(s) URL`;
  } catch {
    return `${flag} is not a URL: ${value}`;
  }
}

export { DEFAULT_STATE_DIR } from '../core/defaults';

/** A string flag's value from parseArgs' values (undefined when absent, or not a string flag). */
export function stringFlag(values: Readonly<Record<string, unknown>>, flag: string): string | undefined {
  const v = values[flag];
  return typeof v === 'string' ? v : undefined;
}

/** Parses argv with the shared options plus `extra`; a string is the message for a bad argument. */
export function parseGatewayArgs<E extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  extra: E,
  opts: { upstreamOptional?: boolean } = {},
) {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...GATEWAY_OPTIONS, ...extra },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return argumentProblem(err);
  }
  if (values.help) return 'help' as const;
  const upstream = stringFlag(values, 'upstream') ?? '';
  if (!upstream && !opts.upstreamOptional) return 'missing --upstream <url>';
  const badUpstream = upstream ? httpUrlProblem('--upstream', upstream) : undefined;
  if (badUpstream) return badUpstream;
  const holdText = stringFlag(values, 'hold-timeout');
  const holdTimeoutMs = holdText === undefined ? GATEWAY_DEFAULTS.holdTimeoutMs : Number(holdText) * 1000;
  if (!(holdTimeoutMs > 0) || !Number.isFinite(holdTimeoutMs))
    return '--hold-timeout must be a positive number of seconds';
  const container = stringFlag(values, 'container')?.trim();
  if (values.container !== undefined && !container) return '--container needs a container name';
  const args: GatewayArgs = {
    upstream,
    container,
    dockerSocket: stringFlag(values, 'docker-socket'),
    stateDir: stringFlag(values, 'state-dir') ?? DEFAULT_STATE_DIR,
    holdTimeoutMs,
    repeat: repeatRulesOf(values),
  };
  return { args, values };
}

/** The usage lines for --repeat-safe / --never-repeat, shared by proxy, stdio and docker-gateway up. */
export const REPEAT_USAGE = `  --repeat-safe <glob,…>: tools that only read, which may be sent again when the server dies mid-call
    (e.g. 'find_*,get_*'); --never-repeat <glob,…>: tools never sent twice (wins over --repeat-safe and
    over the tools' annotations). Neither: annotations, then what is known of the server (Archon's reads).`;

/** --repeat-safe and --never-repeat (each repeatable, comma-separated globs). */
export function repeatRulesOf(values: Record<string, unknown>, flagOf = 'the gateway'): RepeatRules {
  const globs = (v: unknown) =>
    (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).flatMap((x) =>
      typeof x === 'string' ? parseGlobList(x) : [],
    );
  return { repeatSafe: globs(values['repeat-safe']), neverRepeat: globs(values['never-repeat']), via: 'flag', flagOf };
}
