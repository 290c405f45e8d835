// The incident journal: one JSON file in the state folder (mode 0600), bounded by count and age,
// written atomically. Several writers may share a folder (a proxy and a window): each write re-reads
// the file and merges by id, so none drops another's records. A damaged file is set aside and reported.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, errorMessage, fieldOf, isOneOf, isRecord } from '../narrow';
import { describeValue, ensureStateDir, setAsideDamaged, writeFileAtomic } from '../atomic-file';
import { INCIDENT_CALL_KINDS, INCIDENT_OBSERVERS, type IncidentRecord } from './incident';
import { LOSS_CAUSES } from '../server-state';

export const INCIDENT_FILE = 'incidents.json';
/** At most this many records are kept (the oldest go first). */
export const MAX_INCIDENTS = 500;
/** Records that ended longer ago than this are dropped. */
export const INCIDENT_MAX_AGE_MS = 30 * 24 * 3600_000;

interface FileShape {
  version: 1;
  incidents: IncidentRecord[];
}

export interface JournalReadResult {
  incidents: IncidentRecord[];
  /** What was wrong with the file (set aside, entries dropped); empty when nothing was. */
  problems: string[];
}

/** Why an entry is not an incident record, or undefined when it is one. */
export function invalidIncident(e: unknown): string | undefined {
  if (!isRecord(e)) return `is ${describeValue(e)}, not an incident`;
  if (typeof e.id !== 'string' || !e.id) return 'has no id';
  if (typeof e.server !== 'string') return 'names no server';
  if (!isOneOf(INCIDENT_OBSERVERS, e.seenBy)) return 'has no valid seenBy';
  if (!isOneOf(LOSS_CAUSES, e.cause)) return 'has no valid cause';
  for (const k of ['startedAt', 'updatedAt'] as const) {
    const at = e[k];
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return `has no valid ${k}`;
  }
  if (e.recoveredAt !== undefined && (typeof e.recoveredAt !== 'string' || Number.isNaN(Date.parse(e.recoveredAt))))
    return 'has an invalid recoveredAt';
  const calls = e.calls;
  if (!calls || typeof calls !== 'object') return 'has no call counts';
  for (const k of INCIDENT_CALL_KINDS) if (typeof fieldOf(calls, k) !== 'number') return `has no count of ${k} calls`;
  if (!Array.isArray(e.evidence)) return 'has no evidence list';
  if (e.heals === null || typeof e.heals !== 'object') return 'has no heal counts';
  return undefined;
}

/** An entry passes invalidIncident's checks; when not, `why` (if given) hears the reason. */
export function isIncidentRecord(entry: unknown, why?: (problem: string) => void): entry is IncidentRecord {
  const problem = invalidIncident(entry);
  if (problem !== undefined) why?.(problem);
  return problem === undefined;
}

/** Keeps the newest copy per id, drops records past the age limit, keeps the newest MAX_INCIDENTS; oldest first. */
export function boundIncidents(
  records: Iterable<IncidentRecord>,
  now = Date.now(),
  max = MAX_INCIDENTS,
  maxAgeMs = INCIDENT_MAX_AGE_MS,
): IncidentRecord[] {
  const byId = new Map<string, IncidentRecord>();
  for (const r of records) {
    const known = byId.get(r.id);
    if (!known || Date.parse(r.updatedAt) >= Date.parse(known.updatedAt)) byId.set(r.id, r);
  }
  const kept = [...byId.values()].filter((r) => now - Date.parse(r.recoveredAt ?? r.updatedAt) <= maxAgeMs);
  kept.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  return kept.slice(Math.max(0, kept.length - max));
}

function parseJournal(text: string): { incidents: IncidentRecord[]; problems: string[] } | { damaged: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { damaged: `is not JSON (${errorMessage(e)})` };
  }
  const list = fieldOf(raw, 'incidents');
  if (!Array.isArray(list))
    return {
      damaged: `holds no list of incidents (found ${describeValue(raw === null || typeof raw !== 'object' ? raw : list)})`,
    };
  const incidents: IncidentRecord[] = [];
  const problems: string[] = [];
  for (const [i, entry] of list.entries()) {
    if (isIncidentRecord(entry, (problem) => problems.push(`entry ${i + 1} ${problem}`))) incidents.push(entry);
  }
  if (problems.length) {
    const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
    return {
      incidents,
      problems: [`dropped ${problems.length} of ${list.length} incident record(s) that were not valid: ${shown}`],
    };
  }
  return { incidents, problems: [] };
}

/** Reads a journal without changing anything (the CLI): a damaged file is reported, not moved. */
export async function readJournal(dir: string): Promise<JournalReadResult> {
  const file = join(dir, INCIDENT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { incidents: [], problems: [] };
    return { incidents: [], problems: [`cannot read ${file}: ${errorMessage(e)}`] };
  }
  const parsed = parseJournal(text);
  if ('damaged' in parsed) return { incidents: [], problems: [`${file} ${parsed.damaged}`] };
  return { incidents: boundIncidents(parsed.incidents), problems: parsed.problems.map((p) => `${file}: ${p}`) };
}

/** The journal a recorder writes to. Without a folder it keeps nothing on disk. */
export class IncidentJournal {
  private readonly file: string | undefined;
  private readonly pending = new Map<string, IncidentRecord>();
  private known: IncidentRecord[] = [];
  private writing: Promise<void> | undefined;
  /** A file we do not understand could not be moved aside: never overwrite it. */
  private readOnly = false;

  constructor(
    private readonly dir: string | undefined,
    private readonly onProblem: (message: string) => void,
  ) {
    this.file = dir ? join(dir, INCIDENT_FILE) : undefined;
  }

  /** Reads the file (setting a damaged one aside); the records in it, oldest first. */
  load(): IncidentRecord[] {
    const file = this.file;
    if (!file || !this.dir) return [];
    const dirProblem = ensureStateDir(this.dir);
    if (dirProblem) {
      this.onProblem(`cannot create the state directory: ${dirProblem}; incidents are not kept`);
      this.readOnly = true;
      return [];
    }
    this.known = this.readSync(file);
    return this.known;
  }

  private readSync(file: string): IncidentRecord[] {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') this.onProblem(`cannot read the incident journal (${errorMessage(e)})`);
      return [];
    }
    const parsed = parseJournal(text);
    if ('damaged' in parsed) {
      const moved = setAsideDamaged(file);
      if ('aside' in moved)
        this.onProblem(`the incident journal ${parsed.damaged}; kept it as ${moved.aside} and started a new one`);
      else {
        this.onProblem(
          `the incident journal ${parsed.damaged}, and it cannot be moved aside (${moved.error}); incidents are not kept`,
        );
        this.readOnly = true;
      }
      return [];
    }
    for (const p of parsed.problems) this.onProblem(p);
    return boundIncidents(parsed.incidents);
  }

  /** Records (or updates) one incident; written soon. */
  put(record: IncidentRecord): void {
    const file = this.file;
    if (!file || this.readOnly) return;
    this.pending.set(record.id, record);
    this.writing ??= this.writeLoop(file).finally(() => {
      this.writing = undefined;
    });
  }

  /** Resolves when everything put so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeLoop(file: string): Promise<void> {
    while (this.pending.size) {
      const ours = [...this.pending.values()];
      this.pending.clear();
      // Another writer of this folder may have added records since: merge, never drop theirs.
      let onDisk: IncidentRecord[] = this.known;
      try {
        const parsed = parseJournal(await readFile(file, 'utf8'));
        if (!('damaged' in parsed)) onDisk = parsed.incidents;
      } catch {
        // absent or unreadable: what we knew stands
      }
      const merged = boundIncidents([...onDisk, ...ours]);
      const body: FileShape = { version: 1, incidents: merged };
      try {
        await writeFileAtomic(file, JSON.stringify(body));
        this.known = merged;
      } catch (e) {
        this.onProblem(`cannot save the incident journal: ${errorMessage(e)}`);
      }
    }
  }
}
