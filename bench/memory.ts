// Memory of a process under a long run: RSS from /proc/<pid>/status (what the OS charges the process)
// and a least-squares slope over time, the number a soak reports as "flat" or "growing".

/** VmRSS of pid in KB, or undefined when the process is gone or /proc is not there. */
export async function readRssKb(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of pid so far in ms, from /proc/<pid>/stat (clock ticks of 10 ms), or undefined. */
export async function readCpuMs(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at state; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS_PER_S);
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux build that matters (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS_PER_S = 100;

/** Slope of the least-squares line through (x, y); NaN with fewer than two distinct x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
