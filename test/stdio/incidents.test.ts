// A supervised server's restarts are incidents in the journal of the state folder (issue 20): seen by
// `stdio`, with the cause and the supervisor's evidence, closed when the new run has its session back,
// and listed by `archon-mcp-doctor incidents`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseJsonLine } from '../../src/core/json-lines';
import { CLI_BUNDLE, COUNTER_SERVER, fault, supervise, waitNoneLeft } from './util';
import { waitFor } from '../helpers/wait';

describe('supervised restarts in the incident journal', () => {
  it('a SIGKILL of the server: one crash incident named after the server, recovered; incidents --json lists it', async () => {
    const s = await supervise(['node', COUNTER_SERVER], {
      env: { COUNTER_FILE: '/dev/null' },
      cliArgs: ['--name', 'notes'],
    });
    try {
      await s.client.callTool({ name: 'read_notes', arguments: {} });
      fault(await s.serverPid(), 'SIGKILL');
      await s.client.callTool({ name: 'read_notes', arguments: {} });
    } finally {
      await s.close();
    }
    assert.deepEqual(await waitNoneLeft(s.mark), []);
    const listed = await waitFor(
      'the incident in the journal',
      () => {
        const r = spawnSync(
          process.execPath,
          [CLI_BUNDLE, 'incidents', '--json', '--state-dir', s.stateDir, '--from', 'journal'],
          { encoding: 'utf8' },
        );
        const lines = r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => parseJsonLine(l));
        return lines.length > 0 ? lines : undefined;
      },
      10_000,
      100,
    );
    assert.equal(listed.length, 1, JSON.stringify(listed));
    const incident = listed[0];
    assert.ok(incident.type === 'incident');
    if (incident.type !== 'incident') return;
    assert.equal(incident.server, 'notes');
    assert.equal(incident.seenBy, 'stdio');
    assert.equal(incident.cause, 'crash');
    assert.ok(incident.recoveredAt, 'recovered once the new run had its session');
    assert.ok(
      incident.evidence.some((e) => e.source === 'supervisor' && /SIGKILL/.test(e.detail)),
      JSON.stringify(incident.evidence),
    );
    assert.equal(incident.heals.respawned, 1);
  });
});
