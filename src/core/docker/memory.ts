// Memory figures from the Engine's stats, and how to show them. Pure.

/** The part of `GET /containers/{id}/stats` used here. */
export interface RawMemoryStats {
  usage?: number;
  limit?: number;
  stats?: Record<string, number | undefined>;
}

export interface MemorySample {
  at: string;
  /** Usage minus page cache (`total_inactive_file` on cgroup v1, `inactive_file` on v2), bytes. */
  usageBytes: number;
  /** The container's memory limit, or the host's total memory when it has none (see `limitIsHost`). */
  limitBytes: number;
  /** True when the container has no memory limit and the percentage is of the host's memory. */
  limitIsHost: boolean;
  pct: number;
  pressure: boolean;
}

/** Usage the way `docker stats` shows it: usage minus inactive page cache. */
export function memoryUsage(mem: RawMemoryStats): number | undefined {
  if (typeof mem.usage !== 'number') return undefined;
  const s = mem.stats ?? {};
  // cgroup v1 reports `total_inactive_file`; cgroup v2 reports `inactive_file`.
  const cache =
    typeof s.total_inactive_file === 'number'
      ? s.total_inactive_file
      : typeof s.inactive_file === 'number'
        ? s.inactive_file
        : 0;
  return cache < mem.usage ? mem.usage - cache : mem.usage;
}

/**
 * One sample from the raw stats.
 * @param configuredLimit `HostConfig.Memory` (0 or undefined: no limit)
 * @param hostTotal the engine host's memory (`docker info` MemTotal), used when there is no limit
 * @param threshold pressure threshold as a fraction (0.85)
 */
export function memorySample(
  mem: RawMemoryStats,
  opts: { configuredLimit?: number; hostTotal?: number; threshold: number; at?: string },
): MemorySample | undefined {
  const usage = memoryUsage(mem);
  if (usage === undefined) return undefined;
  const configured = opts.configuredLimit !== undefined && opts.configuredLimit > 0 ? opts.configuredLimit : undefined;
  const hasLimit = configured !== undefined;
  const limit = configured ?? (opts.hostTotal && opts.hostTotal > 0 ? opts.hostTotal : (mem.limit ?? 0));
  const pct = limit > 0 ? (usage / limit) * 100 : 0;
  return {
    at: opts.at ?? new Date().toISOString(),
    usageBytes: usage,
    limitBytes: limit,
    limitIsHost: !hasLimit,
    pct,
    pressure: limit > 0 && usage / limit >= opts.threshold,
  };
}

/** `312 MB`, `1.5 GB`, `800 KB` (binary units, as `docker stats` shows them, written MB/GB). */
export function formatBytes(n: number): string {
  const KB = 1024;
  const MB = KB * 1024;
  const GB = MB * 1024;
  if (n >= GB) return `${trim(n / GB)} GB`;
  if (n >= MB) return `${Math.round(n / MB)} MB`;
  if (n >= KB) return `${Math.round(n / KB)} KB`;
  return `${n} B`;
}

function trim(x: number): string {
  return x >= 10 ? String(Math.round(x)) : x.toFixed(1).replace(/\.0$/, '');
}

/** `312 MB / 512 MB (61 %)`; without a container limit: `312 MB / 16 GB host (2 %)`. */
export function formatMemory(s: Pick<MemorySample, 'usageBytes' | 'limitBytes' | 'limitIsHost'>): string {
  if (!s.limitBytes) return formatBytes(s.usageBytes);
  const pct = Math.round((s.usageBytes / s.limitBytes) * 100);
  return `${formatBytes(s.usageBytes)} / ${formatBytes(s.limitBytes)}${s.limitIsHost ? ' host' : ''} (${pct} %)`;
}
