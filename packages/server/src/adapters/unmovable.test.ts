import { describe, expect, it } from 'vitest';
import { UNMOVABLE, unmovable, unmovableCode } from './unmovable.js';

describe('unmovable', () => {
  it('should start each reason with its code, and read the code back', () => {
    const why = unmovable('slow-reader', '12 bytes unsent');
    expect(why).toBe(`slow-reader: ${UNMOVABLE['slow-reader']} (12 bytes unsent)`);
    expect(unmovableCode(why)).toBe('slow-reader');
    for (const code of Object.keys(UNMOVABLE) as Array<keyof typeof UNMOVABLE>) expect(unmovableCode(unmovable(code))).toBe(code);
  });

  it('should read no code from a reason it did not write', () => {
    expect(unmovableCode('something else: entirely')).toBeUndefined();
    expect(unmovableCode('no colon')).toBeUndefined();
    expect(unmovableCode('toString: inherited')).toBeUndefined();
  });
});
