import { describe, expect, it } from 'vitest';
import { firstLine, reasonOf } from './explain.js';

describe('explain', () => {
  it('should take the first line of a message, a name for an empty one, and any other value as text', () => {
    expect(firstLine(new Error('one\ntwo'))).toBe('one');
    expect(firstLine(new TypeError(''))).toBe('TypeError');
    expect(firstLine({ message: 'like an error' })).toBe('like an error');
    expect(firstLine(42)).toBe('42');
  });

  it('should put the causes in one line, skipping what the line before already says', () => {
    const deepest = new Error("EACCES: permission denied, mkdir '/x'");
    const middle = new Error("cannot create /x: EACCES: permission denied, mkdir '/x'", { cause: deepest });
    const top = new Error('WSPStartup failed', { cause: new Error('cannot create the runtime directory /x', { cause: deepest }) });
    expect(reasonOf(top)).toBe("WSPStartup failed; cause: cannot create the runtime directory /x; cause: EACCES: permission denied, mkdir '/x'");
    expect(reasonOf(middle)).toBe("cannot create /x: EACCES: permission denied, mkdir '/x'");
    expect(reasonOf('plain')).toBe('plain');
  });

  it('should stop a few causes deep, even on a cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(reasonOf(a).split('; cause: ').length).toBeLessThanOrEqual(5);
  });
});
