// The shared server list's repeat rules, as `proxy` and the extension's gateway apply them: one function.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listRepeatRules, listedByUrl, type ListedServer } from '../../src/core/clients';
import { repeatVerdict } from '../../src/core/healing';

const LIST: ListedServer[] = [
  {
    name: 'KB',
    slug: 'kb',
    url: 'http://localhost:8051/mcp',
    repeatSafe: ['search_*'],
    neverRepeat: ['search_and_delete'],
  },
  { name: 'Plain', slug: 'plain', url: 'http://127.0.0.1:9000/mcp' },
];
const SETTING = { repeatSafe: ['get_*'], neverRepeat: ['get_token'], via: 'setting' as const, serverLabel: 'KB' };

test("a listed server (matched by URL, loopback names alike) gets its own rules, the settings' beside them, said to come from the list", () => {
  assert.deepEqual(listRepeatRules(listedByUrl(LIST, 'http://127.0.0.1:8051/mcp/'), SETTING), {
    repeatSafe: ['search_*', 'get_*'],
    neverRepeat: ['search_and_delete', 'get_token'],
    via: 'server-list',
    serverLabel: 'KB',
  });
  assert.deepEqual(listRepeatRules(listedByUrl(LIST, 'http://localhost:9000/mcp')), {
    repeatSafe: [],
    neverRepeat: [],
    via: 'server-list',
    serverLabel: 'Plain',
  });
});

test("a server the list does not hold keeps the settings' rules as they were", () => {
  assert.equal(listRepeatRules(listedByUrl(LIST, 'http://localhost:7000/mcp'), SETTING), SETTING);
  assert.deepEqual(listRepeatRules(listedByUrl([], 'http://localhost:7000/mcp')), { repeatSafe: [], neverRepeat: [] });
});

test('the verdicts they give: neverRepeat wins whichever source said it', () => {
  const rules = listRepeatRules(listedByUrl(LIST, 'http://localhost:8051/mcp'), SETTING);
  const v = (tool: string) => repeatVerdict({ method: 'tools/call', tool, hints: {}, rules });
  assert.deepEqual(v('search_docs'), {
    repeat: true,
    reason: 'your-setting',
    detail: "repeat-safe by your rule 'search_*'",
  });
  assert.equal((v('search_and_delete') as { repeat: boolean }).repeat, false);
  assert.equal((v('get_token') as { repeat: boolean }).repeat, false);
  assert.equal((v('get_page') as { repeat: boolean }).repeat, true);
});
