import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SilenceTimer } from './silence-timer.js';

// Fake timers and a fake clock: what is tested is which events restart the count, not how long anything takes.
describe('SilenceTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should fire once the target was silent for the whole timeout since the start', () => {
    const silent = vi.fn();
    new SilenceTimer(1000, () => 0, silent);
    vi.advanceTimersByTime(999);
    expect(silent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(silent).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(silent).toHaveBeenCalledTimes(1);
  });

  it('should count again from each frame heard and each message written, so time queued behind answered hand-offs never counts', () => {
    const silent = vi.fn();
    let heard = 0;
    const timer = new SilenceTimer(1000, () => heard, silent);
    // Frames from the target every 600 ms for 6 s (it answers other hand-offs first): never silent.
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(600);
      heard = Date.now();
    }
    expect(silent).not.toHaveBeenCalled();
    // The message is written now: the count starts again from here.
    vi.advanceTimersByTime(500);
    timer.written();
    vi.advanceTimersByTime(999);
    expect(silent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(silent).toHaveBeenCalledTimes(1);
  });

  it('should never fire once stopped, nor with an infinite timeout', () => {
    const silent = vi.fn();
    new SilenceTimer(Infinity, () => 0, silent);
    new SilenceTimer(1000, () => 0, silent).stop();
    vi.advanceTimersByTime(2 ** 32);
    expect(silent).not.toHaveBeenCalled();
  });

  it('should wait out a timeout longer than a Node timer can hold (2^31-1 ms)', () => {
    const silent = vi.fn();
    new SilenceTimer(2 ** 32, () => 0, silent);
    vi.advanceTimersByTime(2 ** 31);
    expect(silent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2 ** 31);
    expect(silent).toHaveBeenCalledTimes(1);
  });
});
