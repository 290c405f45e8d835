// Lays out the client configuration fixtures (test/fixtures/clients) in a temporary home and workspace,
// and gives the environment a CLI run needs to look only there.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CLIENT_FIXTURES = path.resolve(__dirname, '../fixtures/clients');

export interface ClientHome {
  root: string;
  home: string;
  workspace: string;
  /** Environment for a child process: HOME here, every other location variable unset. */
  env: NodeJS.ProcessEnv;
  /** Fixture file `rel` (e.g. 'home/.cursor/mcp.json') from `before` or `after`, with the workspace filled in. */
  expected(which: 'before' | 'after', rel: string): Buffer;
  /** The file as it is now in the temporary folder. */
  actual(rel: string): Buffer;
  /** Every fixture file, relative ('home/…', 'workspace/…'). */
  files(): string[];
  remove(): void;
}

/** Variables that move clients' files or ours away from HOME: a test's home unsets them. */
export const LOCATION_VARS = [
  'XDG_CONFIG_HOME',
  'XDG_STATE_HOME',
  'APPDATA',
  'LOCALAPPDATA',
  'USERPROFILE',
  'CLAUDE_CONFIG_DIR',
  'CODEX_HOME',
  'ARCHON_MCP_DOCTOR_STATE_DIR',
];

function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [path.relative(base, p)];
  });
}

export function layClientHome(): ClientHome {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-clients-'));
  const home = path.join(root, 'home');
  const workspace = path.join(root, 'workspace');
  const fill = (b: Buffer) =>
    Buffer.from(b.toString('utf8').replaceAll('__WORKSPACE__', workspace.replace(/\\/g, '\\\\')), 'utf8');
  const before = path.join(CLIENT_FIXTURES, 'before');
  const files = walk(before);
  for (const rel of files) {
    const to = path.join(root, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, fill(fs.readFileSync(path.join(before, rel))));
  }
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const v of LOCATION_VARS) delete env[v];
  return {
    root,
    home,
    workspace,
    env,
    expected: (which, rel) => fill(fs.readFileSync(path.join(CLIENT_FIXTURES, which, rel))),
    actual: (rel) => fs.readFileSync(path.join(root, rel)),
    files: () => files,
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
