/**
 * Words for an error's reason inside another error's first line. A reason kept only in `cause` is
 * lost to whoever prints `message` (a log line, a trace): the switch's errors say why in their first
 * line, with these.
 */

/** How many causes deep `reasonOf` looks. */
const MAX_CAUSE_DEPTH = 4;

/** The first line of an error's message (its name when it has none), or of `String(value)`. */
export function firstLine(value: unknown): string {
  let text: string;
  if (value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string')) {
    const { message, name } = value as { message: string; name?: unknown };
    text = message === '' ? String(name ?? 'Error') : message;
  } else {
    text = String(value);
  }
  return text.split('\n', 1)[0] ?? '';
}

/**
 * Why `error` happened, in one line: its first line, then the first line of each cause that the line
 * before does not already contain (`"a; cause: b; cause: c"`), a few causes deep. A provider's
 * "WSPStartup failed" whose reason sits two causes down reads in full.
 */
export function reasonOf(error: unknown): string {
  const parts = [firstLine(error)];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    if (typeof current !== 'object' || current === null || !('cause' in current)) break;
    current = (current as { cause?: unknown }).cause;
    if (current === undefined) break;
    const line = firstLine(current);
    if (!(parts[parts.length - 1] as string).includes(line)) parts.push(line);
  }
  return parts.join('; cause: ');
}
