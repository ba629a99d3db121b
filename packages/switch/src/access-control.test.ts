import { describe, expect, it } from 'vitest';
import { AccessControl } from './access-control.js';

describe('AccessControl', () => {
  it('should lock every descriptor that carries the key, and no other', () => {
    const access = new AccessControl();
    access.assign(1, 'k');
    access.assign(2, 'k');
    access.assign(3, 'other');
    access.lock('k');
    expect([1, 2, 3, 4].map((s) => access.isLocked(s))).toEqual([true, true, false, false]);
    access.unlock('k');
    expect([1, 2].map((s) => access.isLocked(s))).toEqual([false, false]);
  });

  it('should take the lock away with the last descriptor of its key', () => {
    const access = new AccessControl();
    access.assign(1, 'k');
    access.assign(2, 'k');
    access.lock('k');
    access.release(1);
    expect(access.isLocked(2)).toBe(true);
    access.release(2);
    // A later descriptor with the same key (the address pair of a new connection) starts unlocked.
    access.assign(3, 'k');
    expect(access.isLocked(3)).toBe(false);
  });

  it('should move a descriptor to its new key', () => {
    const access = new AccessControl();
    access.assign(1, AccessControl.descriptorKey(1));
    access.lock(AccessControl.descriptorKey(1));
    access.assign(1, 'k');
    expect(access.isLocked(1)).toBe(false);
  });

  it('should lift a lock through its holder only while it is still the socket\'s lock', () => {
    const access = new AccessControl();
    access.assign(1, 'k');
    const old = access.lock('k');
    access.unlock('k');
    const newer = access.lock('k');
    expect(access.unlockIfHeld(old)).toBe(false);
    expect(access.isLocked(1)).toBe(true);
    expect(access.unlockIfHeld(newer)).toBe(true);
    expect(access.isLocked(1)).toBe(false);
    expect(access.unlockIfHeld(newer)).toBe(false);
  });
});
