/** Time spent in each phase of a process's lifecycle, the current one included. */
export class PhaseClock<P extends string> {
  #phase: P;
  #since = performance.now();
  readonly #spent: Partial<Record<P, number>> = {};

  constructor(first: P) {
    this.#phase = first;
  }

  get phase(): P {
    return this.#phase;
  }

  /** Ends the current phase and starts `phase` (time adds up when a phase comes again). */
  enter(phase: P): void {
    const now = performance.now();
    this.#spent[this.#phase] = (this.#spent[this.#phase] ?? 0) + (now - this.#since);
    this.#phase = phase;
    this.#since = now;
  }

  /** Milliseconds per phase, the current one up to now, rounded to 0.1 ms. */
  snapshot(): Partial<Record<P, number>> {
    const out: Partial<Record<P, number>> = {};
    for (const [phase, ms] of Object.entries(this.#spent) as [P, number][]) out[phase] = ms;
    out[this.#phase] = (out[this.#phase] ?? 0) + (performance.now() - this.#since);
    for (const phase of Object.keys(out) as P[]) out[phase] = Math.round((out[phase] as number) * 10) / 10;
    return out;
  }
}
