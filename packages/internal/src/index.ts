/**
 * Helpers every sanshare package shares. Private: bundled into each package's `dist/` by tsup
 * (`noExternal`), never installed by users, never part of a public type.
 *
 * @packageDocumentation
 */
export { armDeadline, withDeadline, isTimeoutMs, MAX_TIMER_MS } from './deadline.js';
export type { DeadlineOptions, Expiry, ArmOptions, Disarm } from './deadline.js';
export { codedErrorGuard } from './error-guard.js';
export { kindOf } from './kind-of.js';
export type { ErrorGuard } from './error-guard.js';
