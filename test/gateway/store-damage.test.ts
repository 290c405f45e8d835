// Issue 12: a damaged session store never stops the gateway, and what was dropped is said in every
// output mode, `proxy --json` included (the real CLI as a child process).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../helpers/servers';
import { STORE_FILE } from '../../src/core/gateway/store';
import { startProxy, type ProxyProcess } from './cli';
import { connectClient } from './util';

/** The kind of a JSON line: `type` in the line format of issue 12, `event` before it. */
const kindOf = (l: Record<string, unknown>) => l.type ?? l.event;

describe('proxy --json with a damaged session store', () => {
  let fx: RunningServer | undefined;
  const procs: ProxyProcess[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const p of procs) await p.kill();
    await fx?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const [what, content] of [
    ['"sessions": {}', '{"version":1,"sessions":{}}'],
    ['bad entries', '{"version":1,"sessions":[3,{"id":"x"}]}'],
  ] as const) {
    it(`${what}: a session-store line says what was dropped, and the gateway serves`, async () => {
      fx ??= await startServer('fixture');
      const dir = mkdtempSync(join(tmpdir(), 'gw-store-cli-'));
      dirs.push(dir);
      writeFileSync(join(dir, STORE_FILE), content);
      const p = startProxy(['--upstream', fx.url, '--port', '0', '--state-dir', dir]);
      procs.push(p);
      const first = await p.waitFor(() => true);
      assert.equal(kindOf(first), 'listening', 'the URL line stays first');
      const line = await p.waitFor((l) => kindOf(l) === 'session-store');
      assert.match(
        String(line.message),
        what === 'bad entries' ? /dropped 2 of 2 saved session/ : /holds no list of sessions .*kept it as/,
      );
      if (what !== 'bad entries') assert.equal(readdirSync(dir).filter((f) => f.includes('.damaged-')).length, 1);
      const c = await connectClient(String(first.url));
      assert.ok((await c.client.listTools()).tools.length > 0);
      await c.close();
    });
  }
});
