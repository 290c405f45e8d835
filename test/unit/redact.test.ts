// Unit tests for src/core/redact.ts: session ids shortened, credentials hidden, excerpts bounded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { excerpt, redactHeaders, redactText, shortenSessionId } from '../../src/core/redact';

const UUID = '4f1c2a9e-3b6d-4c1e-9a2f-0e8d7c6bb7d0';
const PY_HEX = '9f8e7d6c5b4a39281706f5e4d3c2b1a0'; // Python SDK: uuid4().hex
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcmNob24ifQ.c2VjcmV0LXNpZ25hdHVyZQ';

describe('shortenSessionId', () => {
  it('keeps the first 8 and last 4 characters of a UUID, joined by an ellipsis', () => {
    assert.equal(shortenSessionId(UUID), '4f1c2a9e…b7d0');
  });

  it('shortens a Python-style hex session id', () => {
    const s = shortenSessionId(PY_HEX);
    assert.equal(s, '9f8e7d6c…b1a0');
    assert.ok(!s.includes(PY_HEX));
    assert.ok(s.length < PY_HEX.length / 2);
  });

  it('never contains the full id for realistic ids', () => {
    for (const id of [UUID, PY_HEX, 'a'.repeat(13), 'x'.repeat(200)]) {
      const s = shortenSessionId(id);
      assert.ok(!s.includes(id), `${s} contains ${id}`);
      assert.ok(s.length <= 13);
    }
  });

  it('short ids (≤ 12) are shown as they are', () => {
    assert.equal(shortenSessionId('abc'), 'abc');
    assert.equal(shortenSessionId('123456789012'), '123456789012');
  });

  it('no id shows a dash', () => {
    assert.equal(shortenSessionId(undefined), '—');
    assert.equal(shortenSessionId(''), '—');
  });

  it('two ids differing in the middle only shorten alike; differing ends are told apart', () => {
    assert.notEqual(shortenSessionId(UUID), shortenSessionId(UUID.replace(/b7d0$/, 'b7d1')));
    assert.notEqual(shortenSessionId(UUID), shortenSessionId(UUID.replace(/^4f/, '5f')));
  });
});

describe('redactHeaders', () => {
  it('hides credential headers whatever their case, keeps the others', () => {
    const out = redactHeaders({
      Authorization: `Bearer ${JWT}`,
      'proxy-authorization': 'Basic dXNlcjpwYXNz',
      Cookie: 'sid=abc',
      'X-API-Key': 'k-123',
      'api-key': 'k-456',
      'X-Auth-Token': 't-789',
      'X-Trace': 'on',
      Accept: 'application/json',
    });
    assert.deepEqual(out, {
      Authorization: '«hidden»',
      'proxy-authorization': '«hidden»',
      Cookie: '«hidden»',
      'X-API-Key': '«hidden»',
      'api-key': '«hidden»',
      'X-Auth-Token': '«hidden»',
      'X-Trace': 'on',
      Accept: 'application/json',
    });
  });

  it('hides any header whose name mentions token, secret or key', () => {
    const out = redactHeaders({
      'X-Archon-Token': 'a',
      'X-Client-Secret': 'b',
      'X-Service-Key': 'c',
      'X-Access-Token': 'd',
    });
    for (const v of Object.values(out)) assert.equal(v, '«hidden»');
  });

  it('keeps header names and does not change the input', () => {
    const input = { Authorization: 'Bearer abcdefgh' };
    const out = redactHeaders(input);
    assert.deepEqual(Object.keys(out), ['Authorization']);
    assert.equal(input.Authorization, 'Bearer abcdefgh');
    assert.notEqual(out, input);
  });

  it('undefined gives an empty object', () => {
    assert.deepEqual(redactHeaders(undefined), {});
  });

  it('the output never contains a secret value', () => {
    const out = JSON.stringify(redactHeaders({ authorization: `Bearer ${JWT}`, 'x-api-key': 'sk-live-0123456789' }));
    assert.ok(!out.includes(JWT));
    assert.ok(!out.includes('sk-live-0123456789'));
  });
});

describe('redactText', () => {
  it('hides a Bearer token, keeping the scheme word', () => {
    const out = redactText(`Authorization: Bearer ${JWT}`);
    assert.equal(out, 'Authorization: Bearer «hidden»');
  });

  it('hides bearer tokens in any case and several in one text', () => {
    const out = redactText(`first bearer abcdef123456 then BEARER zyxwvu987654`);
    assert.ok(!out.includes('abcdef123456'));
    assert.ok(!out.includes('zyxwvu987654'));
    assert.equal((out.match(/«hidden»/g) ?? []).length, 2);
  });

  it('hides a Basic credential', () => {
    const out = redactText('Authorization: Basic dXNlcjpwYXNzd29yZA==');
    assert.ok(!out.includes('dXNlcjpwYXNzd29yZA=='));
  });

  it('hides token, access_token, api_key, apiKey, password and secret values in JSON', () => {
    const body = JSON.stringify({
      token: 'tok-AAAA1111',
      access_token: 'acc-BBBB2222',
      api_key: 'key-CCCC3333',
      apiKey: 'key-DDDD4444',
      password: 'pw-EEEE5555',
      secret: 'sec-FFFF6666',
      refresh_token: 'ref-GGGG7777',
      keep: 'visible-HHHH8888',
    });
    const out = redactText(body);
    for (const s of [
      'tok-AAAA1111',
      'acc-BBBB2222',
      'key-CCCC3333',
      'key-DDDD4444',
      'pw-EEEE5555',
      'sec-FFFF6666',
      'ref-GGGG7777',
    ]) {
      assert.ok(!out.includes(s), `${s} leaked: ${out}`);
    }
    assert.ok(out.includes('visible-HHHH8888'), 'other values stay');
    assert.ok(out.includes('"token":"«hidden»"'), out);
  });

  it('hides JSON values with spaces around the colon', () => {
    const out = redactText('{ "token" : "tok-spaced-1234" }');
    assert.ok(!out.includes('tok-spaced-1234'), out);
  });

  it('hides token=… in query strings and form bodies', () => {
    const out = redactText('GET /mcp?token=qs-SECRET-1&x=1 and api_key=form-SECRET-2');
    assert.ok(!out.includes('qs-SECRET-1'), out);
    assert.ok(!out.includes('form-SECRET-2'), out);
    assert.ok(out.startsWith('GET /mcp?token=«hidden»'), out);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Bad Request: No valid session ID provided';
    assert.equal(redactText(text), text);
    const json = '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}';
    assert.equal(redactText(json), json);
  });

  it('does not touch "token_type": "Bearer" style keys that hold no secret', () => {
    const out = redactText('{"token_type":"bearer","expires_in":3600}');
    assert.ok(out.includes('"expires_in":3600'));
  });
});

describe('excerpt', () => {
  it('collapses newlines and runs of whitespace to single spaces and trims', () => {
    assert.equal(excerpt('  line one\n\n  line two\r\n\tline three  '), 'line one line two line three');
  });

  it('keeps text up to the limit unchanged', () => {
    const text = 'a'.repeat(200);
    assert.equal(excerpt(text), text);
  });

  it('cuts longer text to 200 characters plus an ellipsis', () => {
    const out = excerpt('b'.repeat(1000));
    assert.equal(out.length, 201);
    assert.ok(out.endsWith('…'));
  });

  it('honours a custom limit', () => {
    const out = excerpt('c'.repeat(100), 80);
    assert.equal(out, `${'c'.repeat(80)}…`);
  });

  it('redacts before cutting, so a token straddling the limit never leaks in part', () => {
    const text = `${'x'.repeat(180)} Bearer ${JWT}`;
    const out = excerpt(text);
    assert.ok(!out.includes(JWT.slice(0, 8)), out);
  });

  it('removes secrets', () => {
    const out = excerpt(`401 Unauthorized\nAuthorization: Bearer ${JWT}\n{"token":"${JWT}"}`);
    assert.ok(!out.includes(JWT));
    assert.doesNotMatch(out, /\n/);
  });

  it('an empty or blank body gives an empty string', () => {
    assert.equal(excerpt(''), '');
    assert.equal(excerpt(' \n\t '), '');
  });
});
