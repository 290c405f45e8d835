// The repeat decision as a table: the user's globs × annotations × known server × method.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  KNOWN_SERVERS,
  NO_RULES,
  ToolKnowledge,
  repeatVerdict,
  type RepeatQuestion,
  type RepeatRules,
  type ToolHints,
} from '../../src/core/healing';

const archon = KNOWN_SERVERS.find((k) => k.label === 'Archon');
const schema = { type: 'object' as const, properties: {} };

type Row = [label: string, q: Partial<RepeatQuestion>, expected: { repeat: boolean; reason: string } | 'ask-tools'];
const call = (
  tool: string,
  hints: ToolHints | undefined,
  extra: Partial<RepeatQuestion> = {},
): Partial<RepeatQuestion> => ({ method: 'tools/call', tool, hints, ...extra });
const rules = (repeatSafe: string[], neverRepeat: string[] = []): RepeatRules => ({ repeatSafe, neverRepeat });

const table: Row[] = [
  ['any other method repeats', { method: 'resources/read' }, { repeat: true, reason: 'not-a-tool-call' }],
  ['tools/list repeats', { method: 'tools/list' }, { repeat: true, reason: 'not-a-tool-call' }],
  ['a tools/call naming no tool never', { method: 'tools/call' }, { repeat: false, reason: 'unknown' }],
  ['readOnlyHint repeats', call('t', { readOnly: true }), { repeat: true, reason: 'annotation' }],
  ['idempotentHint repeats', call('t', { idempotent: true }), { repeat: true, reason: 'annotation' }],
  [
    'destructiveHint never',
    call('t', { destructive: true, idempotent: true }),
    { repeat: false, reason: 'annotation' },
  ],
  [
    'readOnly wins over a meaningless destructiveHint',
    call('t', { readOnly: true, destructive: true }),
    { repeat: true, reason: 'annotation' },
  ],
  ['no annotations, no knowledge: never', call('t', {}), { repeat: false, reason: 'unknown' }],
  ['never seen in a tools/list: ask', call('t', undefined), 'ask-tools'],
  [
    'your repeat-safe glob beats no annotation',
    call('find_x', {}, { rules: rules(['find_*']) }),
    { repeat: true, reason: 'your-setting' },
  ],
  [
    'your repeat-safe glob even for an unseen tool',
    call('find_x', undefined, { rules: rules(['find_*']) }),
    { repeat: true, reason: 'your-setting' },
  ],
  [
    'your never-repeat beats readOnlyHint',
    call('t', { readOnly: true }, { rules: rules([], ['t']) }),
    { repeat: false, reason: 'your-setting' },
  ],
  [
    'never-repeat beats repeat-safe for the same tool',
    call('t', {}, { rules: rules(['*'], ['t']) }),
    { repeat: false, reason: 'your-setting' },
  ],
  [
    'your repeat-safe beats destructiveHint',
    call('t', { destructive: true }, { rules: rules(['t']) }),
    { repeat: true, reason: 'your-setting' },
  ],
  ['Archon: find_* reads', call('find_tasks', {}, { known: archon }), { repeat: true, reason: 'known-server' }],
  [
    'Archon: rag_* reads',
    call('rag_search_knowledge_base', {}, { known: archon }),
    { repeat: true, reason: 'known-server' },
  ],
  ['Archon: health_check reads', call('health_check', {}, { known: archon }), { repeat: true, reason: 'known-server' }],
  ['Archon: manage_task writes', call('manage_task', {}, { known: archon }), { repeat: false, reason: 'known-server' }],
  [
    'Archon known even before its tool list',
    call('find_tasks', undefined, { known: archon }),
    { repeat: true, reason: 'known-server' },
  ],
  [
    'annotations beat the known-server table',
    call('manage_task', { readOnly: true }, { known: archon }),
    { repeat: true, reason: 'annotation' },
  ],
  [
    'your word beats the known-server table',
    call('find_tasks', {}, { known: archon, rules: rules([], ['find_*']) }),
    { repeat: false, reason: 'your-setting' },
  ],
  [
    'a tool the table does not name: never',
    call('new_tool', {}, { known: archon }),
    { repeat: false, reason: 'unknown' },
  ],
];

describe('repeat policy (table)', () => {
  for (const [label, partial, expected] of table) {
    it(label, () => {
      const v = repeatVerdict({ method: 'tools/call', rules: NO_RULES, ...partial });
      if (expected === 'ask-tools') assert.equal(v, 'ask-tools');
      else {
        assert.notEqual(v, 'ask-tools');
        if (v !== 'ask-tools') assert.deepEqual({ repeat: v.repeat, reason: v.reason }, expected);
      }
    });
  }
});

describe('ToolKnowledge', () => {
  const archonTools = [
    'health_check',
    'session_info',
    'find_tasks',
    'manage_task',
    'rag_read_full_page',
    'get_project_features',
  ];
  const listOf = (names: string[]) => ({ tools: names.map((name) => ({ name, inputSchema: schema })) });

  it("recognizes Archon by serverInfo.name and its tools, not by the user's label", () => {
    const k = new ToolKnowledge();
    k.learnServer({
      protocolVersion: '2025-06-18',
      capabilities: {},
      serverInfo: { name: 'archon-mcp-server', version: '1.12.2' },
    });
    k.learnTools(listOf(archonTools));
    assert.equal(k.knownServer?.label, 'Archon');
    const byTool = Object.fromEntries(k.explain().map((r) => [r.tool, `${r.repeat}:${r.reason}`]));
    assert.deepEqual(byTool, {
      find_tasks: 'true:known-server',
      get_project_features: 'true:known-server',
      health_check: 'true:known-server',
      manage_task: 'false:known-server',
      rag_read_full_page: 'true:known-server',
      session_info: 'true:known-server',
    });
  });
  it('the same bare tools on a server with another name: nothing repeats, and reads get a suggestion', () => {
    const k = new ToolKnowledge();
    k.learnServer({ serverInfo: { name: 'my-server', version: '1' } });
    k.learnTools(listOf(archonTools));
    assert.equal(k.knownServer, undefined);
    const rows = k.explain();
    assert.ok(rows.every((r) => !r.repeat && r.reason === 'unknown'));
    const find = rows.find((r) => r.tool === 'find_tasks');
    assert.match(find?.suggestion ?? '', /--repeat-safe 'find_tasks'/);
    assert.equal(
      rows.find((r) => r.tool === 'manage_task')?.suggestion,
      undefined,
      'no suggestion for a write-looking name',
    );
  });
  it("the Archon name without Archon's tools is not Archon", () => {
    const k = new ToolKnowledge();
    k.learnServer({ serverInfo: { name: 'archon-mcp-server', version: '1' } });
    k.learnTools(listOf(['something_else']));
    assert.equal(k.knownServer, undefined);
  });
  it('the VS Code setting is named in the suggestion when rules come from it', () => {
    const k = new ToolKnowledge({ repeatSafe: [], neverRepeat: [], via: 'setting', serverLabel: 'Mine' });
    k.learnTools(listOf(['get_thing']));
    assert.match(
      k.explain()[0].suggestion ?? '',
      /"get_thing" under "Mine" in the setting archonMcpDoctor\.repeatSafeTools/,
    );
  });
  it("the stdio supervisor's flag is named as its own", () => {
    const k = new ToolKnowledge({ repeatSafe: [], neverRepeat: [], via: 'flag', flagOf: 'the stdio supervisor' });
    k.learnTools(listOf(['search_docs']));
    assert.match(k.explain()[0].suggestion ?? '', /run the stdio supervisor with --repeat-safe 'search_docs'/);
  });
  it('an unclassified tool of a server whose name was never learnt is asked about (a restored session saw no initialize)', () => {
    const k = new ToolKnowledge();
    k.learnTools(listOf(archonTools));
    assert.equal(k.verdict({ method: 'tools/call', params: { name: 'find_tasks' } }), 'ask-tools');
    k.learnServer({ serverInfo: { name: 'archon-mcp-server', version: '1.12.2' } });
    assert.deepEqual(k.verdict({ method: 'tools/call', params: { name: 'find_tasks' } }), {
      repeat: true,
      reason: 'known-server',
      detail: "known server Archon: 'find_*' only reads",
    });
  });
  it('ignores results that are not tools/list results', () => {
    const k = new ToolKnowledge();
    assert.equal(k.learnTools({ content: [] }), 0);
    assert.equal(k.learnTools('nope'), 0);
    assert.equal(k.verdict({ method: 'tools/call', params: { name: 'x' } }), 'ask-tools');
  });
});
