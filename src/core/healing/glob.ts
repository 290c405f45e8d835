// Tool-name globs as users write them in flags and settings: `*` any run of characters, `?` one.

const cache = new Map<string, RegExp>();

function toRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    cache.set(glob, re);
  }
  return re;
}

/** The first glob that matches `name`, if any. */
export function firstMatch(globs: readonly string[], name: string): string | undefined {
  return globs.find((g) => toRegExp(g).test(name));
}

/** Splits a flag's value (`'find_*,rag_*'`) into globs; blanks dropped. */
export function parseGlobList(value: string): string[] {
  return value
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
}
