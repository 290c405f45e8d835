// The CLI's commands: one entry each (name, one-line summary, usage, handler). Adding a command is one line in src/cli.ts.
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
  return command.run(rest);
}
