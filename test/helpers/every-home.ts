// A temporary home whose six clients name real servers from npm: server-everything over Streamable HTTP
// (started here), over SSE (started here) and over stdio, server-memory over stdio, and a `uvx` server
// whose binary is missing (test/fixtures/clients-every). Placeholders are filled as the files are laid out.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCATION_VARS as CLIENT_LOCATION_VARS } from './client-home';
import { startServer, type RunningServer } from './servers';

export const EVERY_FIXTURES = path.resolve(__dirname, '../fixtures/clients-every');
export const EVERYTHING_JS = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
export const MEMORY_JS = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');
// The shared server list's folder too: the every-server flows write it.
const LOCATION_VARS = [...CLIENT_LOCATION_VARS, 'ARCHON_MCP_DOCTOR_CONFIG_DIR'];

export interface EveryHome {
  root: string;
  home: string;
  workspace: string;
  http: RunningServer;
  sse: RunningServer;
  /** HOME here, every other location variable unset. */
  env: NodeJS.ProcessEnv;
  /** Every laid-out file, relative to root ('home/…', 'workspace/…'), with the bytes written. */
  originals: Map<string, Buffer>;
  actual(rel: string): Buffer;
  remove(): Promise<void>;
}

function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [path.relative(base, p)];
  });
}

export async function layEveryHome(): Promise<EveryHome> {
  const http = await startServer('everything-streamable');
  const sse = await startServer('everything-sse');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-every-'));
  const home = path.join(root, 'home');
  const workspace = path.join(root, 'workspace');
  const fill = (text: string) =>
    text
      .replaceAll('__HOME__', home)
      .replaceAll('__WORKSPACE__', workspace)
      .replaceAll('__HTTP_PORT__', String(http.port))
      .replaceAll('__SSE_PORT__', String(sse.port))
      .replaceAll('__EVERYTHING__', EVERYTHING_JS)
      .replaceAll('__MEMORY__', MEMORY_JS);
  const originals = new Map<string, Buffer>();
  for (const rel of walk(EVERY_FIXTURES).filter((f) => f !== 'README.md')) {
    const to = path.join(root, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    const bytes = Buffer.from(fill(fs.readFileSync(path.join(EVERY_FIXTURES, rel), 'utf8')), 'utf8');
    fs.writeFileSync(to, bytes);
    originals.set(rel, bytes);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const v of LOCATION_VARS) delete env[v];
  return {
    root,
    home,
    workspace,
    http,
    sse,
    env,
    originals,
    actual: (rel) => fs.readFileSync(path.join(root, rel)),
    remove: async () => {
      await Promise.all([http.stop(), sse.stop()]);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
