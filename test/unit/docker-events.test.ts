import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonLineSplitter,
  describeEvent,
  eventKey,
  parseEngineEvent,
  rawEngineEventOf,
  sinceFromMs,
  sinceFromTimeNano,
} from '../../src/core/docker/events';

const base = {
  Type: 'container',
  Actor: { ID: 'abc123def4567890', Attributes: { name: 'archon-mcp', image: 'x' } },
  time: 1700000000,
  timeNano: 1700000000123456768,
};

describe('parseEngineEvent', () => {
  it('parses die with its exit code', () => {
    const ev = parseEngineEvent({
      ...base,
      Action: 'die',
      Actor: { ID: 'abc', Attributes: { name: 'archon-mcp', exitCode: '137' } },
    });
    assert.equal(ev?.action, 'die');
    assert.equal(ev?.exitCode, 137);
    assert.equal(ev?.containerName, 'archon-mcp');
    assert.equal(ev?.at.slice(0, 19), '2023-11-14T22:13:20');
  });
  it('matches health_status by prefix', () => {
    assert.equal(parseEngineEvent({ ...base, Action: 'health_status: unhealthy' })?.health, 'unhealthy');
    assert.equal(parseEngineEvent({ ...base, Action: 'health_status: healthy' })?.health, 'healthy');
    assert.equal(parseEngineEvent({ ...base, Action: 'health_status: healthy' })?.action, 'health_status');
  });
  it('ignores exec_* and non-container events', () => {
    assert.equal(parseEngineEvent({ ...base, Action: 'exec_create: /usr/local/bin/node -e x' }), undefined);
    assert.equal(parseEngineEvent({ ...base, Action: 'exec_start: /usr/local/bin/node -e x' }), undefined);
    assert.equal(parseEngineEvent({ ...base, Action: 'exec_die' }), undefined);
    assert.equal(parseEngineEvent({ ...base, Type: 'network', Action: 'connect' }), undefined);
  });
  it('keeps start, stop, kill (with signal), oom, restart', () => {
    for (const a of ['start', 'stop', 'oom', 'restart'])
      assert.equal(parseEngineEvent({ ...base, Action: a })?.action, a);
    const k = parseEngineEvent({
      ...base,
      Action: 'kill',
      Actor: { ID: 'abc', Attributes: { name: 'n', signal: '15' } },
    });
    assert.equal(k?.signal, '15');
  });
  it('falls back to time when timeNano is missing; accepts the old `status` field', () => {
    const ev = parseEngineEvent({ status: 'start', id: 'abc', time: 1700000001 });
    assert.equal(ev?.timeNano, '1700000001000000000');
    assert.equal(ev?.containerId, 'abc');
  });
});

describe('since and keys', () => {
  it('formats since with a nanosecond fraction', () => {
    assert.equal(sinceFromTimeNano('1700000000123456789'), '1700000000.123456789');
    assert.equal(sinceFromTimeNano('1700000000000000001'), '1700000000.000000001');
    assert.equal(sinceFromMs(1700000000123), '1700000000.123000000');
  });
  it('keys identify events', () => {
    const a = parseEngineEvent({ ...base, Action: 'start' })!;
    const b = parseEngineEvent({ ...base, Action: 'restart' })!;
    assert.notEqual(eventKey(a), eventKey(b));
    assert.equal(eventKey(a), eventKey(parseEngineEvent({ ...base, Action: 'start' })!));
  });
  it('describes events for people', () => {
    assert.match(
      describeEvent(
        parseEngineEvent({
          ...base,
          Action: 'die',
          Actor: { ID: 'a', Attributes: { name: 'archon-mcp', exitCode: '3' } },
        })!,
      ),
      /died \(exit 3\)/,
    );
  });
});

describe('JsonLineSplitter', () => {
  it('joins objects split across chunks and skips bad lines', () => {
    const s = new JsonLineSplitter();
    const got: unknown[] = [];
    const bad: string[] = [];
    s.push(
      '{"a":1}\n{"b":',
      (o) => got.push(o),
      (l) => bad.push(l),
    );
    s.push(
      Buffer.from('2}\nnot json\n{"c":3}\n'),
      (o) => got.push(o),
      (l) => bad.push(l),
    );
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }, { c: 3 }]);
    assert.deepEqual(bad, ['not json']);
  });
});

describe('rawEngineEventOf', () => {
  it("takes the engine's JSON as it comes, Go's nulls included", () => {
    const line = JSON.parse(
      '{"status":"die","id":"abc","from":"img","Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"3","name":"archon-mcp"}},"scope":"local","time":1700000001,"timeNano":1700000001000000000}',
    );
    const raw = rawEngineEventOf(line);
    assert.equal(parseEngineEvent(raw!)?.exitCode, 3);
    const bare = rawEngineEventOf({
      Type: 'container',
      Action: 'start',
      Actor: { ID: 'abc', Attributes: null },
      id: null,
      timeNano: '1700000001000000000',
    });
    assert.equal(parseEngineEvent(bare!)?.action, 'start');
  });
  it('is undefined for lines that are not events', () => {
    for (const v of [null, 7, 'start', [], { Action: 5 }, { Actor: { Attributes: { exitCode: 3 } } }])
      assert.equal(rawEngineEventOf(v), undefined, JSON.stringify(v));
  });
});
