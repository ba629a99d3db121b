import { describe, expect, it } from 'vitest';
import { codedErrorGuard } from './error-guard.js';

const CODES = { E_ONE: 1, E_TWO: 2 } as const;
type Code = keyof typeof CODES;
class DemoError extends Error {
  override readonly name = 'DemoError';
  constructor(readonly code: Code) {
    super(code);
  }
}
const isDemoError = codedErrorGuard<DemoError, Code>('DemoError', CODES);

describe('codedErrorGuard', () => {
  it('should recognise the class by name and code, also a copy from another realm', () => {
    expect(isDemoError(new DemoError('E_ONE'))).toBe(true);
    expect(isDemoError(new DemoError('E_ONE'), 'E_ONE')).toBe(true);
    expect(isDemoError(new DemoError('E_ONE'), 'E_TWO')).toBe(false);
    // What another copy of the package throws: same name and code, another class.
    expect(isDemoError({ name: 'DemoError', code: 'E_TWO' })).toBe(true);
  });

  it('should refuse other names, unknown codes and non-objects', () => {
    expect(isDemoError({ name: 'Error', code: 'E_ONE' })).toBe(false);
    expect(isDemoError({ name: 'DemoError', code: 'E_THREE' })).toBe(false);
    expect(isDemoError({ name: 'DemoError', code: 'toString' })).toBe(false);
    expect(isDemoError(null)).toBe(false);
    expect(isDemoError('DemoError')).toBe(false);
  });

  it('should apply the extra check and a code predicate', () => {
    const withErrno = codedErrorGuard<DemoError & { errno: number }, Code>('DemoError', CODES, (c) => c.errno === CODES[c.code]);
    expect(withErrno({ name: 'DemoError', code: 'E_TWO', errno: 2 })).toBe(true);
    expect(withErrno({ name: 'DemoError', code: 'E_TWO', errno: 1 })).toBe(false);
    const prefixed = codedErrorGuard<{ code: string }, string>('X', (code) => code.startsWith('X_'));
    expect(prefixed({ name: 'X', code: 'X_ANY' })).toBe(true);
    expect(prefixed({ name: 'X', code: 'Y_ANY' })).toBe(false);
  });
});
