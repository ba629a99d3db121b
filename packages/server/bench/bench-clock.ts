/**
 * One clock for every process of the benchmark: milliseconds since the epoch with sub-millisecond
 * resolution (`performance.timeOrigin + performance.now()`), so that a time taken in the successor
 * and one taken in a client process can be subtracted.
 */
export function benchNow(): number {
  return performance.timeOrigin + performance.now();
}
