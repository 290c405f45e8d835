// The CLI's commands: one entry each (name, one-line summary, usage, handler). Adding a command is one line in src/cli.ts.
// The argument layer every command shares: `<command> --help` prints its usage (exit 0), and a bad flag is
// reported as `<command>: <what is wrong>` with the usage (exit 2), by parseCommandArgs.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PRODUCT_VERSION } from '../core/version';

export interface CliCommand {
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** The command's own usage text (printed by `<command> --help` and on bad arguments). */
  usage: string;
  /** Resolves with the process exit code. */
  run(argv: string[]): Promise<number>;
}

export function cliVersion(): string {
  return PRODUCT_VERSION;
}

export function helpText(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `archon-mcp-doctor ${cliVersion()}: keeps MCP connections alive across server restarts.`,
    '',
    'usage: archon-mcp-doctor <command> [options]   (archon-mcp-doctor help <command> for its options)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    '  --version     print the version',
    '  --help, -h    this text',
  ].join('\n');
}

/** Runs the command argv names; exit code 2 for an unknown command or none. */
export async function dispatch(commands: readonly CliCommand[], argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${cliVersion()}\n`);
    return 0;
  }
  const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
  if (topic) {
    process.stdout.write(`${topic.usage}\n`);
    return 0;
  }
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const out = name === undefined ? process.stderr : process.stdout;
    out.write(`${helpText(commands)}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`archon-mcp-doctor: unknown command "${name}"\n\n${helpText(commands)}\n`);
    return 2;
  }
  if (asksForHelp(rest)) {
    // stdio's stdout carries protocol messages only: its usage goes to stderr.
    (command.name === 'stdio' ? process.stderr : process.stdout).write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

/** `--help` or `-h` among a command's own arguments (not after `--`, where a wrapped command's begin). */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** How every command reports arguments it cannot take: `<command>: <problem>`, then its usage; exit code 2. */
export function badArguments(command: string, problem: string, usage: string): number {
  process.stderr.write(`${command}: ${problem}\n${usage}\n`);
  return 2;
}

/** Node's parse error in a sentence (its own adds advice about positionals that does not apply here). */
export function argumentProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '');
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs for a command, strict; a string is the problem to report with badArguments(). */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    return argumentProblem(err);
  }
}
