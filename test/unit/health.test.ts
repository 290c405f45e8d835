// Unit tests for src/core/health.ts: parseUptime and uptimeDropped (the pure parts), and probeHealth
// against a loopback HTTP server (its answers, redirects, refusals and timeouts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseUptime, probeHealth, uptimeDropped } from '../../src/core/health';
import type { HealthInfo } from '../../src/core/server-state';

const T0 = Date.parse('2026-11-20T08:00:00.000Z');
const h = (atMs: number, uptimeSeconds?: number, ok = true): HealthInfo => ({
  at: new Date(atMs).toISOString(),
  ok,
  uptimeSeconds,
});

describe('parseUptime', () => {
  it("reads Archon's top-level uptime_seconds (a float)", () => {
    const body = JSON.parse(
      '{"success":true,"health":{"status":"healthy","api_service":true},"uptime_seconds":1234.567,"timestamp":"2026-11-20T08:00:00"}',
    );
    assert.equal(parseUptime(body), 1234.567);
  });

  it('reads uptime_seconds nested under health', () => {
    assert.equal(parseUptime({ success: true, health: { uptime_seconds: 42 } }), 42);
  });

  it('prefers the top-level value over the nested one', () => {
    assert.equal(parseUptime({ uptime_seconds: 10, health: { uptime_seconds: 99 } }), 10);
  });

  it('falls back to a plain uptime field', () => {
    assert.equal(parseUptime({ status: 'ok', uptime: 77 }), 77);
  });

  it('zero is a valid uptime (just started)', () => {
    assert.equal(parseUptime({ uptime_seconds: 0 }), 0);
  });

  it("Archon's 'ready, no active connections yet' answer has no uptime", () => {
    const body = {
      success: true,
      status: 'ready',
      message: 'MCP server is running (no active connections yet)',
      timestamp: '2026-11-20T08:00:00',
    };
    assert.equal(parseUptime(body), undefined);
  });

  it('ignores negative, non-finite and non-number values', () => {
    assert.equal(parseUptime({ uptime_seconds: -5 }), undefined);
    assert.equal(parseUptime({ uptime_seconds: Infinity }), undefined);
    assert.equal(parseUptime({ uptime_seconds: NaN }), undefined);
    assert.equal(parseUptime({ uptime_seconds: '120' }), undefined);
    assert.equal(parseUptime({ uptime_seconds: null }), undefined);
  });

  it('skips a bad top-level value and uses a good nested one', () => {
    assert.equal(parseUptime({ uptime_seconds: 'n/a', health: { uptime_seconds: 8 } }), 8);
  });

  it('does not throw on odd shapes', () => {
    for (const body of [
      undefined,
      null,
      0,
      12,
      'uptime_seconds: 5',
      true,
      [],
      [{ uptime_seconds: 5 }],
      { health: null },
      { health: 'ok' },
      { health: 5 },
    ]) {
      assert.doesNotThrow(() => parseUptime(body));
      assert.equal(parseUptime(body), undefined, JSON.stringify(body));
    }
  });
});

describe('uptimeDropped', () => {
  it('a drop from an hour to a few seconds is a restart', () => {
    assert.equal(uptimeDropped(h(T0, 3600), h(T0 + 10_000, 4)), true);
  });

  it('an uptime that grows with wall time is not a restart', () => {
    assert.equal(uptimeDropped(h(T0, 100), h(T0 + 10_000, 110)), false);
    assert.equal(uptimeDropped(h(T0, 100), h(T0 + 3_600_000, 3700)), false);
  });

  it('two readings at the same moment with the same uptime are not a restart', () => {
    assert.equal(uptimeDropped(h(T0, 100), h(T0, 100)), false);
  });

  it('up to a second of slack (clock and rounding) is tolerated', () => {
    assert.equal(uptimeDropped(h(T0, 100.9), h(T0, 100)), false);
    assert.equal(uptimeDropped(h(T0, 101), h(T0, 100)), false);
    assert.equal(uptimeDropped(h(T0, 100), h(T0 + 60_000, 159.2)), false, 'uptime 0.8 s behind wall time');
  });

  it('more than a second behind is a restart', () => {
    assert.equal(uptimeDropped(h(T0, 101.5), h(T0, 100)), true);
  });

  it('no previous reading, or one without an uptime, never reports a drop', () => {
    assert.equal(uptimeDropped(undefined, h(T0, 1)), false);
    assert.equal(uptimeDropped(h(T0, undefined), h(T0 + 1, 1)), false);
    assert.equal(uptimeDropped(h(T0, 1000), h(T0 + 1, undefined, false)), false);
  });

  it('a restart to uptime 0 is seen', () => {
    assert.equal(uptimeDropped(h(T0, 2), h(T0 + 1_000, 0)), true);
  });

  it('a restart between two readings far apart is seen even when the new uptime is above the old one', () => {
    // A young server (20 s up) is read, restarts, and 60 s later reports 30 s of uptime.
    // Had it kept running it would report ~80 s: it restarted (the crash-loop case).
    assert.equal(uptimeDropped(h(T0, 20), h(T0 + 60_000, 30)), true);
  });

  it('readings out of order (current older than previous) do not invent a restart from negative elapsed time', () => {
    assert.equal(uptimeDropped(h(T0 + 10_000, 110), h(T0, 110)), false);
  });

  it('a slow earlier answer does not look like a restart', () => {
    // The server computes its uptime when it answers, so probeHealth stamps `at` when the answer arrives.
    // Earlier reading: sent at T0, answered 1.5 s later with uptime 101.5 (it was 100 at T0).
    // Current reading: sent at T0+10 s, answered at once with uptime 110. The server never restarted.
    assert.equal(uptimeDropped(h(T0 + 1_500, 101.5), h(T0 + 10_000, 110)), false);
  });
});

describe('probeHealth', () => {
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ base: string; server: Server }> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }
  const close = (s: Server) =>
    new Promise((r) => {
      s.closeAllConnections();
      s.close(r);
    });

  it('reads the uptime and status, follows a redirect on the same origin with the headers, and dates the answer', async () => {
    const seen: (string | undefined)[] = [];
    const { base, server } = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/old') return void res.writeHead(302, { location: '/health' }).end();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ success: true, status: 'healthy', uptime_seconds: 12.5 }));
    });
    try {
      const before = Date.now();
      const h = await probeHealth(`${base}/old`, 2_000, { Authorization: 'Bearer x' });
      assert.deepEqual(
        { ok: h.ok, uptimeSeconds: h.uptimeSeconds, status: h.status, error: h.error },
        { ok: true, uptimeSeconds: 12.5, status: 'healthy', error: undefined },
      );
      assert.ok(Date.parse(h.at) >= before);
      assert.deepEqual(seen, ['Bearer x', 'Bearer x']);
    } finally {
      await close(server);
    }
  });

  it('reports an error status and a body that is not JSON', async () => {
    const { base, server } = await serve((req, res) => {
      if (req.url === '/down') return void res.writeHead(503).end(JSON.stringify({ success: false }));
      res.writeHead(200).end('<html>hi</html>');
    });
    try {
      const down = await probeHealth(`${base}/down`, 2_000);
      assert.equal(down.ok, false);
      assert.match(down.error ?? '', /^HTTP 503: /);
      const html = await probeHealth(`${base}/html`, 2_000);
      assert.equal(html.ok, false);
      assert.match(html.error ?? '', /^HTTP 200, not JSON: <html>hi<\/html>/);
    } finally {
      await close(server);
    }
  });

  it('a refused port is ECONNREFUSED, a silent server a TimeoutError after the timeout', async () => {
    const { base, server } = await serve(() => undefined);
    try {
      const started = Date.now();
      const silent = await probeHealth(`${base}/health`, 300);
      assert.equal(silent.error, 'TimeoutError');
      assert.ok(Date.now() - started >= 290 && Date.now() - started < 5_000);
    } finally {
      await close(server);
    }
    const refused = await probeHealth(`${base}/health`, 2_000);
    assert.deepEqual({ ok: refused.ok, error: refused.error }, { ok: false, error: 'ECONNREFUSED' });
  });
});
