import { describe, expect, it, vi, afterEach } from 'vitest';
import { armDeadline, isTimeoutMs, MAX_TIMER_MS, withDeadline, type Expiry } from './deadline.js';

afterEach(() => {
  vi.useRealTimers();
});

const asError = (expiry: Expiry): Error => new Error(expiry.timedOut ? `timeout ${expiry.timeoutMs}` : `abort ${String(expiry.reason)}`);

describe('armDeadline', () => {
  it('should fire once with the timeout, and never after disarm', () => {
    vi.useFakeTimers();
    const fired: Expiry[] = [];
    armDeadline({ timeoutMs: 50 }, (e) => fired.push(e));
    vi.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ timedOut: true, timeoutMs: 50 }]);
    const disarm = armDeadline({ timeoutMs: 50 }, (e) => fired.push(e));
    disarm();
    disarm();
    vi.advanceTimersByTime(100);
    expect(fired).toHaveLength(1);
  });

  it('should fire with the abort reason and remove its listener', () => {
    const controller = new AbortController();
    const fired: Expiry[] = [];
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    armDeadline({ signal: controller.signal, timeoutMs: 10_000 }, (e) => fired.push(e));
    controller.abort('stop');
    expect(fired).toEqual([{ timedOut: false, reason: 'stop' }]);
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed).toHaveBeenCalledTimes(1);
  });

  it('should leave no listener on a long-lived signal after disarm', () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    for (let i = 0; i < 100; i++) armDeadline({ signal: controller.signal }, () => {})();
    expect(removed).toHaveBeenCalledTimes(100);
    const fired: Expiry[] = [];
    armDeadline({ signal: controller.signal }, (e) => fired.push(e));
    controller.abort();
    expect(fired).toHaveLength(1);
  });

  it('should fire at once for a signal aborted before', () => {
    const fired: Expiry[] = [];
    armDeadline({ signal: AbortSignal.abort('early') }, (e) => fired.push(e));
    expect(fired).toEqual([{ timedOut: false, reason: 'early' }]);
  });

  it('should arm nothing without a signal or with an infinite timeout', () => {
    vi.useFakeTimers();
    const fired: Expiry[] = [];
    armDeadline(undefined, (e) => fired.push(e));
    armDeadline({ timeoutMs: Infinity }, (e) => fired.push(e));
    expect(vi.getTimerCount()).toBe(0);
    expect(fired).toEqual([]);
  });

  it('should chain a delay above the timer cap instead of firing early', () => {
    vi.useFakeTimers();
    const fired: Expiry[] = [];
    armDeadline({ timeoutMs: MAX_TIMER_MS + 5_000 }, (e) => fired.push(e));
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(5_000);
    expect(fired).toEqual([{ timedOut: true, timeoutMs: MAX_TIMER_MS + 5_000 }]);
  });
});

describe('withDeadline', () => {
  it('should resolve with the wait and disarm its timer', async () => {
    vi.useFakeTimers();
    const value = withDeadline<number>({ timeoutMs: 1_000 }, (resolve) => void setTimeout(() => resolve(7), 10), asError);
    vi.advanceTimersByTime(10);
    await expect(value).resolves.toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('should reject on timeout and unregister the wait', async () => {
    vi.useFakeTimers();
    const unregister = vi.fn();
    const value = withDeadline<number>({ timeoutMs: 20 }, () => unregister, asError);
    vi.advanceTimersByTime(20);
    await expect(value).rejects.toThrow('timeout 20');
    expect(unregister).toHaveBeenCalledTimes(1);
  });

  it('should reject with the mapped abort and never call start for an aborted signal', async () => {
    const start = vi.fn();
    await expect(withDeadline({ signal: AbortSignal.abort('why') }, start, asError)).rejects.toThrow('abort why');
    expect(start).not.toHaveBeenCalled();
  });

  it('should settle once when the wait settles inside start', async () => {
    vi.useFakeTimers();
    await expect(withDeadline<string>({ timeoutMs: 5 }, (resolve) => resolve('now'), asError)).resolves.toBe('now');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('should ignore a late outcome after the deadline', async () => {
    vi.useFakeTimers();
    let late: ((v: number) => void) | undefined;
    const value = withDeadline<number>({ timeoutMs: 5 }, (resolve) => {
      late = resolve;
    }, asError);
    vi.advanceTimersByTime(5);
    late?.(1);
    await expect(value).rejects.toThrow('timeout 5');
  });
});

describe('isTimeoutMs', () => {
  it('should accept non-negative numbers and Infinity only', () => {
    expect([0, 1, 2.5, Infinity].every(isTimeoutMs)).toBe(true);
    expect([-1, Number.NaN, '5', undefined, null].some(isTimeoutMs)).toBe(false);
  });
});
