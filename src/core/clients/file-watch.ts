// Re-reads client files when they change: clients that run rewrite their own files (Claude Code does).
// One fs.watch per existing folder, filtered to the file names we read, coalesced into one callback.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FileWatch {
  close(): void;
}

export function watchFiles(files: readonly string[], onChange: () => void, debounceMs = 300): FileWatch {
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const dir = path.dirname(f);
    byDir.set(dir, (byDir.get(dir) ?? new Set()).add(path.basename(f)));
  }
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
  };
  const watchers: fs.FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = fs.watch(dir, { persistent: false }, (_event, name) => {
        if (!name || names.has(String(name))) fire();
      });
      w.on('error', () => w.close()); // the folder went away: the next scan sets up watches again
      watchers.push(w);
    } catch {
      /* the folder does not exist (yet): nothing to watch */
    }
  }
  return {
    close: () => {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
