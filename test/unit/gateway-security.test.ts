import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLocalHost, isLocalOrigin, rebindingRefusal } from '../../src/core/gateway/security';

describe('gateway DNS-rebinding checks', () => {
  it('accepts loopback Host headers with or without a port', () => {
    for (const h of ['127.0.0.1:18051', 'localhost:18051', 'LOCALHOST', '[::1]:18051', '127.0.0.1'])
      assert.ok(isLocalHost(h), h);
  });
  it('refuses other or missing Host headers', () => {
    for (const h of [
      undefined,
      '',
      'evil.com',
      'evil.com:18051',
      '192.168.1.5:18051',
      'localhost.evil.com',
      '127.0.0.1.nip.io:18051',
    ]) {
      assert.equal(isLocalHost(h), false, String(h));
    }
  });
  it('accepts no Origin and loopback origins, refuses the rest', () => {
    for (const o of [undefined, '', 'http://localhost:3000', 'https://127.0.0.1', 'http://[::1]:1234'])
      assert.ok(isLocalOrigin(o), String(o));
    for (const o of ['null', 'https://evil.com', 'http://localhost.evil.com', 'vscode-webview://abc', 'not a url'])
      assert.equal(isLocalOrigin(o), false, o);
  });
  it('says why a request is refused', () => {
    assert.match(String(rebindingRefusal('evil.com', undefined)), /Host/);
    assert.match(String(rebindingRefusal('localhost:1', 'https://evil.com')), /Origin/);
    assert.equal(rebindingRefusal('localhost:1', 'http://localhost:2'), undefined);
  });
});
