// Unit tests for src/core/gateway/container-awareness.ts: container deaths reach the gateway as "restarting" for
// the server's endpoint, and nothing else does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holdOnContainerDown, type ContainerDownSource } from '../../src/core/gateway';
import type { ContainerDown } from '../../src/core/docker';

function source() {
  const listeners = new Set<(server: string, down: ContainerDown) => void>();
  const src: ContainerDownSource = {
    onContainerDown(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const down = (server: string) => {
    for (const l of listeners)
      l(server, { at: new Date().toISOString(), oom: false, latencyMs: 0, event: {} as ContainerDown['event'] });
  };
  return { src, down, count: () => listeners.size };
}

describe('holdOnContainerDown', () => {
  it('a death of a served server marks its endpoint as restarting; others and a missing gateway are ignored', () => {
    const { src, down, count } = source();
    const notified: string[] = [];
    let gateway: { notifyUpstreamRestarting(slug: string): void } | undefined = {
      notifyUpstreamRestarting: (s) => notified.push(s),
    };
    const slugs: Record<string, string> = { Archon: 'archon' };
    const stop = holdOnContainerDown(
      src,
      () => gateway,
      (name) => slugs[name],
    );
    down('Archon');
    down('Other');
    gateway = undefined;
    down('Archon');
    assert.deepEqual(notified, ['archon']);
    stop();
    assert.equal(count(), 0, 'unsubscribed');
  });
});
