// No orphans: when the supervisor itself is SIGKILLed (no chance to clean up), its watchdog kills the
// server's whole process group — a wrapper's children included — within seconds. Measured, not timed:
// the time is a diagnostic, the assertion is that nothing survives.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listSupervisedServers } from '../../src/core/stdio';
import { waitFor } from '../helpers/wait';
import { COUNTER_SERVER, RawClient, killMarked, marked, sleep, waitNoneLeft } from './util';

const clients: RawClient[] = [];
after(() => clients.forEach((c) => killMarked(c.mark)));

describe('SIGKILL of the supervisor', () => {
  for (const [name, server] of [
    ['a node server', ['node', COUNTER_SERVER]],
    // `sh -c` without exec: the shell stays, the server is its child (as with npx and uvx wrappers).
    ['a wrapper with a child', ['sh', '-c', `node ${COUNTER_SERVER}; echo wrapper-done`]],
  ] as const) {
    it(`${name}: no server process survives`, async (t) => {
      const c = new RawClient([...server], [], {
        COUNTER_FILE: join(mkdtempSync(join(tmpdir(), 'stdio-orphan-')), 'w.txt'),
      });
      clients.push(c);
      assert.ok((await c.initialize()).result);
      const running = marked(c.mark);
      // supervisor, watchdog, server (+ the wrapper's child)
      assert.ok(running.length >= (name === 'a node server' ? 3 : 4), `running: ${running}`);
      // The supervisor writes its state file a moment after a change (coalesced), not with the answer.
      const entries = await waitFor(
        'the supervisor state file',
        () => {
          const found = listSupervisedServers(c.stateDir);
          return found.length ? found : undefined;
        },
        10_000,
        50,
      );
      assert.equal(entries.length, 1);
      assert.equal(entries[0].pid, c.proc.pid);
      assert.equal(entries[0].stale, false);
      const t0 = Date.now();
      process.kill(c.proc.pid!, 'SIGKILL');
      const left = await waitNoneLeft(c.mark, 10_000);
      t.diagnostic(`all ${running.length} processes gone ${Date.now() - t0} ms after the SIGKILL`);
      assert.deepEqual(left, [], 'processes that outlived the supervisor');
      await sleep(50);
      const stale = listSupervisedServers(c.stateDir);
      assert.equal(stale.length, 1, 'a SIGKILLed supervisor cannot remove its file');
      assert.equal(stale[0].stale, true, 'the reader tells it is stale');
    });
  }

  it('a clean end removes the state file', async () => {
    const c = new RawClient(['node', COUNTER_SERVER], [], {
      COUNTER_FILE: join(mkdtempSync(join(tmpdir(), 'stdio-orphan-')), 'w.txt'),
    });
    clients.push(c);
    assert.ok((await c.initialize()).result);
    await sleep(300);
    assert.equal(listSupervisedServers(c.stateDir)[0]?.state, 'running');
    await c.end();
    assert.deepEqual(listSupervisedServers(c.stateDir), []);
    assert.deepEqual(await waitNoneLeft(c.mark), []);
  });
});
