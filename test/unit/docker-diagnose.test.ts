import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseLoss } from '../../src/core/docker/diagnose';
import { parseEngineEvent, type ContainerEvent } from '../../src/core/docker/events';
import { LOSS_CAUSES } from '../../src/core/server-state';

const T0 = Date.parse('2026-11-24T01:00:00.000Z');
/** Builds events at T0 + ms, the way the engine sends them. */
function ev(ms: number, action: string, attrs: Record<string, string> = {}): ContainerEvent {
  const e = parseEngineEvent({
    Type: 'container',
    Action: action,
    Actor: { ID: 'c0ffee', Attributes: { name: 'archon-mcp', ...attrs } },
    timeNano: String(BigInt(T0 + ms) * 1_000_000n) as unknown as number,
  });
  assert.ok(e, action);
  return e;
}
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe('diagnoseLoss', () => {
  it('docker restart: kill, die, stop, start, restart', () => {
    const d = diagnoseLoss({
      lossAt: at(1500),
      events: [
        ev(0, 'kill', { signal: '15' }),
        ev(40, 'die', { exitCode: '0' }),
        ev(140, 'stop'),
        ev(380, 'start'),
        ev(381, 'restart'),
      ],
    });
    assert.equal(d.cause, 'docker-restart');
    assert.equal(d.label, 'docker restart');
    assert.ok(d.evidence.some((e) => /restarted/.test(e.detail)));
    assert.ok(d.evidence.every((e) => e.source === 'docker' && e.at));
  });
  it('docker restart with SIGKILL after the timeout (exit 137) is still a docker restart, not OOM or crash', () => {
    const d = diagnoseLoss({
      lossAt: at(12_000),
      events: [
        ev(0, 'kill', { signal: '15' }),
        ev(10_000, 'kill', { signal: '9' }),
        ev(10_050, 'die', { exitCode: '137' }),
        ev(10_100, 'stop'),
        ev(10_400, 'start'),
        ev(10_401, 'restart'),
      ],
    });
    assert.equal(d.cause, 'docker-restart');
  });
  it('OOM kill: oom then die 137 then a policy start (no restart event)', () => {
    const d = diagnoseLoss({
      lossAt: at(2000),
      events: [ev(0, 'oom'), ev(30, 'die', { exitCode: '137' }), ev(600, 'start')],
    });
    assert.equal(d.cause, 'oom-kill');
    assert.equal(d.label, 'OOM kill');
    assert.equal(d.exitCode, 137);
    assert.ok(d.evidence.some((e) => /oom/.test(e.detail)));
  });
  it('OOM kill from inspect (OOMKilled + 137) when the oom event was missed', () => {
    const d = diagnoseLoss({
      lossAt: at(2000),
      events: [ev(30, 'die', { exitCode: '137' })],
      inspect: { oomKilled: true, exitCode: 137, running: false },
    });
    assert.equal(d.cause, 'oom-kill');
    assert.ok(d.evidence.some((e) => /OOMKilled/.test(e.detail)));
  });
  it('crash keeps its exit code: "crash (exit 3)"', () => {
    const d = diagnoseLoss({ lossAt: at(1000), events: [ev(0, 'die', { exitCode: '3' }), ev(700, 'start')] });
    assert.equal(d.cause, 'crash');
    assert.equal(d.exitCode, 3);
    assert.equal(d.label, 'crash (exit 3)');
  });
  it('stopped by a person: kill, die, stop, then start later without restart', () => {
    const d = diagnoseLoss({
      lossAt: at(5000),
      events: [ev(0, 'kill', { signal: '15' }), ev(50, 'die', { exitCode: '0' }), ev(100, 'stop'), ev(20_000, 'start')],
    });
    assert.equal(d.cause, 'stopped');
  });
  it('unhealthy then restarted (autoheal style docker restart)', () => {
    const d = diagnoseLoss({
      lossAt: at(10_000),
      events: [
        ev(0, 'health_status: healthy'),
        ev(3000, 'health_status: unhealthy'),
        ev(8000, 'kill', { signal: '15' }),
        ev(8050, 'die', { exitCode: '143' }),
        ev(8100, 'stop'),
        ev(8400, 'start'),
        ev(8401, 'restart'),
      ],
    });
    assert.equal(d.cause, 'unhealthy-restart');
  });
  it('unhealthy, then healthy again, then docker restart: a plain docker restart', () => {
    const d = diagnoseLoss({
      lossAt: at(10_000),
      events: [
        ev(0, 'health_status: unhealthy'),
        ev(3000, 'health_status: healthy'),
        ev(8000, 'kill'),
        ev(8050, 'die', { exitCode: '0' }),
        ev(8100, 'stop'),
        ev(8400, 'start'),
        ev(8401, 'restart'),
      ],
    });
    assert.equal(d.cause, 'docker-restart');
  });
  it('docker restart of a server slow to leave: health checks failing after the SIGTERM do not make it an unhealthy restart', () => {
    // Seen with mcp 2.3.0 in a container (1 s TCP health checks): signal 15, unhealthy 1.8 s later, died (exit 0) 2 s after the signal.
    const d = diagnoseLoss({
      lossAt: at(2_100),
      events: [
        ev(-3000, 'health_status: healthy'),
        ev(0, 'kill', { signal: '15' }),
        ev(1830, 'health_status: unhealthy'),
        ev(2015, 'die', { exitCode: '0' }),
        ev(2100, 'stop'),
        ev(2400, 'start'),
        ev(2401, 'restart'),
      ],
    });
    assert.equal(d.cause, 'docker-restart');
  });
  it('server process restarted inside the container: uptime dropped, no container event', () => {
    const d = diagnoseLoss({
      lossAt: at(1000),
      events: [ev(-50_000, 'health_status: healthy')],
      uptimeDrops: [{ at: at(900), fromSeconds: 3600, toSeconds: 2 }],
    });
    assert.equal(d.cause, 'process-restart');
    assert.equal(d.evidence[0]!.source, 'health');
    assert.match(d.evidence[0]!.detail, /3600 s to 2 s/);
  });
  it('network: unreachable while the container kept running', () => {
    const d = diagnoseLoss({ lossAt: at(1000), events: [], failureKind: 'unreachable', inspect: { running: true } });
    assert.equal(d.cause, 'network');
  });
  it('unknown when nothing explains it', () => {
    const d = diagnoseLoss({ lossAt: at(1000), events: [] });
    assert.equal(d.cause, 'unknown');
  });
  it('ignores events outside the window and picks the latest episode', () => {
    const d = diagnoseLoss({
      lossAt: at(600_000),
      events: [
        ev(0, 'oom'),
        ev(10, 'die', { exitCode: '137' }),
        ev(500, 'start'),
        ev(599_000, 'die', { exitCode: '3' }),
        ev(599_500, 'start'),
      ],
    });
    assert.equal(d.cause, 'crash');
    assert.equal(d.exitCode, 3);
  });
  it('only returns known causes', () => {
    for (const events of [[], [ev(0, 'start')], [ev(0, 'restart')], [ev(0, 'die', { exitCode: '0' })]]) {
      assert.ok((LOSS_CAUSES as readonly string[]).includes(diagnoseLoss({ lossAt: at(100), events }).cause));
    }
  });
});
