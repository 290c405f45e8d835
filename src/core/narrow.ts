// Narrowing what arrives untyped (caught errors, parsed JSON, settings, command arguments) by
// looking at it, so that the types say what was checked rather than what was hoped.

/** A non-null object that is not an array: parsed JSON's `{…}`, an error's fields. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record whose values are all strings (headers, environment variables). */
export function isStringRecord(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** `v` is one of `values` (a closed vocabulary read from settings, JSON or the engine). */
export function isOneOf<T>(values: readonly T[], v: unknown): v is T {
  return values.some((x) => x === v);
}

/** `v[key]` when `v` is a record, else undefined (null, primitives and arrays have no fields here). */
export function fieldOf(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

/** An error's own string `code` (ENOENT, ECONNREFUSED, ETIMEDOUT, …); the cause is not looked at. */
export function errnoCode(err: unknown): string | undefined {
  const code = fieldOf(err, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** An error's `cause`, when it has one. */
export function causeOf(err: unknown): unknown {
  return fieldOf(err, 'cause');
}

/** The message of an Error, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
