/**
 * The `isXxxError(value, code?)` guard of a coded error class, made once for every class.
 *
 * Why a guard rather than `instanceof`: two copies of one package (two versions in one dependency
 * tree, or its ESM and CJS builds side by side) each have their own class, and `instanceof` fails
 * across them. An error is recognised by what it says about itself instead: its `name` and a `code`
 * that the class defines.
 */

/** A guard: true when `value` is an error of the class (and, when given, has that `code`). */
export type ErrorGuard<E extends { code: C }, C extends string> = (value: unknown, code?: C) => value is E;

/**
 * Makes the guard of the error class named `name` whose codes are the keys of `codes` (a table such
 * as `WSA_ERRORS`), or those `codes` accepts when it is a function. `extra` may check one more
 * property (a `WsaError`'s `errno` must be its code's number, say).
 */
export function codedErrorGuard<E extends { code: C }, C extends string>(
  name: string,
  codes: Readonly<Record<C, unknown>> | ((code: string) => boolean),
  extra?: (candidate: { readonly code: C } & Readonly<Record<string, unknown>>) => boolean,
): ErrorGuard<E, C> {
  const known = typeof codes === 'function' ? codes : (code: string): boolean => Object.prototype.hasOwnProperty.call(codes, code);
  return (value: unknown, code?: C): value is E => {
    if (typeof value !== 'object' || value === null) return false;
    const candidate = value as { readonly name?: unknown; readonly code?: unknown };
    if (candidate.name !== name || typeof candidate.code !== 'string' || !known(candidate.code)) return false;
    if (extra !== undefined && !extra(candidate as { readonly code: C } & Readonly<Record<string, unknown>>)) return false;
    return code === undefined || candidate.code === code;
  };
}
