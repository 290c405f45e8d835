// Compares two heap snapshots of one process (taken with --heapsnapshot-signal): the objects in the
// later snapshot that were allocated after the earlier one (V8 keeps node ids stable within a process,
// so "new" is an id above the earlier snapshot's highest) and are still alive. Groups them by
// constructor and by the old object that holds them (the first retainer, walking up, that existed in
// the earlier snapshot), which is where a leak hangs on.
//
//   node --import tsx bench/memory-heap-diff.ts early.heapsnapshot late.heapsnapshot [--top 25]
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapGraph {
  count: number;
  type: (i: number) => string;
  name: (i: number) => string;
  id: (i: number) => number;
  size: (i: number) => number;
  /** Strong retainers of node i: [retainer index, edge label]. */
  retainers: (i: number) => [number, string][];
  maxId: number;
}

export function loadSnapshot(path: string): HeapGraph {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot;
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = raw.snapshot.meta;
  const nStride = nf.length;
  const eStride = ef.length;
  const [fType, fName, fId, fSize, fEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) =>
    nf.indexOf(f),
  );
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
  const nodeTypes = nt[0];
  const edgeTypes = et[0];
  const count = raw.nodes.length / nStride;
  // Reverse edges, strong ones only (weak edges do not keep anything alive).
  const retainedBy: [number, string][][] = Array.from({ length: count }, () => []);
  let e = 0;
  for (let i = 0; i < count; i++) {
    const edges = raw.nodes[i * nStride + fEdges];
    for (let k = 0; k < edges; k++, e += eStride) {
      const kind = edgeTypes[raw.edges[e + eType]];
      if (kind === 'weak' || kind === 'shortcut') continue;
      const nameOrIndex = raw.edges[e + eName];
      const label = kind === 'element' || kind === 'hidden' ? '[]' : raw.strings[nameOrIndex];
      retainedBy[raw.edges[e + eTo] / nStride].push([i, label]);
    }
  }
  // Synthetic and native (embedder) nodes get ids from another range: only heap objects count.
  let maxId = 0;
  for (let i = 0; i < count; i++) {
    const t = nodeTypes[raw.nodes[i * nStride + fType]];
    if (t !== 'synthetic' && t !== 'native') maxId = Math.max(maxId, raw.nodes[i * nStride + fId]);
  }
  return {
    count,
    type: (i) => nodeTypes[raw.nodes[i * nStride + fType]],
    name: (i) => raw.strings[raw.nodes[i * nStride + fName]],
    id: (i) => raw.nodes[i * nStride + fId],
    size: (i) => raw.nodes[i * nStride + fSize],
    retainers: (i) => retainedBy[i],
    maxId,
  };
}

const label = (g: HeapGraph, i: number): string => {
  const t = g.type(i);
  const n = g.name(i);
  if (t === 'object' || t === 'closure' || t === 'native') return `${t} ${n.slice(0, 60)}`;
  return `(${t})${t === 'hidden' || t === 'code' || t === 'array' ? ` ${n.slice(0, 40)}` : ''}`;
};

/** The path from a new object up to the first old object that holds it, as "Old.edge → … → new". */
function owner(g: HeapGraph, i: number, oldMax: number): string {
  const path: string[] = [];
  let at = i;
  for (let depth = 0; depth < 12; depth++) {
    const r = g.retainers(at).find(([from]) => g.type(from) !== 'synthetic') ?? g.retainers(at)[0];
    if (!r) return `(unretained) ${path.join(' ← ')}`;
    const [from, edge] = r;
    path.push(edge);
    if (g.id(from) <= oldMax) return `${label(g, from)} .${path.reverse().join('.')}`;
    at = from;
  }
  return `(deep) …${path.slice(-3).reverse().join('.')}`;
}

export interface DiffRow {
  key: string;
  count: number;
  bytes: number;
}

export function diffSnapshots(
  early: HeapGraph,
  late: HeapGraph,
): { byConstructor: DiffRow[]; byOwner: DiffRow[]; newCount: number; newBytes: number } {
  const byConstructor = new Map<string, DiffRow>();
  const byOwner = new Map<string, DiffRow>();
  const add = (m: Map<string, DiffRow>, key: string, bytes: number) => {
    const row = m.get(key) ?? { key, count: 0, bytes: 0 };
    row.count++;
    row.bytes += bytes;
    m.set(key, row);
  };
  let newCount = 0;
  let newBytes = 0;
  for (let i = 0; i < late.count; i++) {
    if (late.id(i) <= early.maxId || late.type(i) === 'synthetic' || late.type(i) === 'native') continue;
    const bytes = late.size(i);
    newCount++;
    newBytes += bytes;
    add(byConstructor, label(late, i), bytes);
    add(byOwner, owner(late, i, early.maxId), bytes);
  }
  const sorted = (m: Map<string, DiffRow>) => [...m.values()].sort((a, b) => b.bytes - a.bytes);
  return { byConstructor: sorted(byConstructor), byOwner: sorted(byOwner), newCount, newBytes };
}

if (require.main === module) {
  const [a, b] = process.argv.slice(2).filter((x) => !x.startsWith('--'));
  const ti = process.argv.indexOf('--top');
  const top = ti > 0 ? Number(process.argv[ti + 1]) : 25;
  if (!a || !b) {
    process.stderr.write('usage: bench/memory-heap-diff.ts early.heapsnapshot late.heapsnapshot [--top N]\n');
    process.exit(2);
  }
  const d = diffSnapshots(loadSnapshot(a), loadSnapshot(b));
  const kb = (n: number) => (n / 1024).toFixed(1);
  const out = [`new objects still alive: ${d.newCount}, ${kb(d.newBytes)} KB`, '', 'by constructor (KB, count):'];
  for (const r of d.byConstructor.slice(0, top))
    out.push(`  ${kb(r.bytes).padStart(8)}  ${String(r.count).padStart(6)}  ${r.key}`);
  out.push('', 'by holder (the first retainer that is older than the early snapshot):');
  for (const r of d.byOwner.slice(0, top))
    out.push(`  ${kb(r.bytes).padStart(8)}  ${String(r.count).padStart(6)}  ${r.key}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
