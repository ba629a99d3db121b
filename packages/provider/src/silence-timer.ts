/**
 * A reply timeout that measures the target's silence, never time spent queued behind other hand-offs
 * (docs/provider.md section 5): it counts from the latest of its start, the moment one of the
 * caller's messages was actually written (`sendmsg` returned), and the last frame read from the
 * target (any frame: a reply to someone else's export, a notice). `onSilent` runs once, when none of
 * those happened for `timeoutMs`.
 */
import { MAX_TIMER_MS } from '@sanshare/internal';

export class SilenceTimer {
  readonly #timeoutMs: number;
  readonly #heardAtMs: () => number;
  readonly #onSilent: () => void;
  #lastMs = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  /** `heardAtMs`: when the last frame from the target was read (`Date.now()` then). Infinity never fires. */
  constructor(timeoutMs: number, heardAtMs: () => number, onSilent: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#heardAtMs = heardAtMs;
    this.#onSilent = onSilent;
    if (timeoutMs !== Infinity) this.#arm(timeoutMs);
  }

  /** One of the caller's messages was written now: the target has had it since. */
  written(): void {
    this.#lastMs = Date.now();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    // Node caps a timer at 2^31-1 ms: a longer wait is several timers.
    this.#timer = setTimeout(() => this.#check(), Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const since = Math.max(this.#lastMs, this.#heardAtMs());
    const left = since + this.#timeoutMs - Date.now();
    if (left > 0) {
      this.#arm(left);
      return;
    }
    this.#stopped = true;
    this.#onSilent();
  }
}
