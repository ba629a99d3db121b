/**
 * One clock for every process of the benchmark: milliseconds since the epoch with sub-millisecond
 * resolution (`performance.timeOrigin + performance.now()`), so that a time taken in the successor
 * and one taken in a client process can be subtracted; and each process's CPU time.
 */
export function benchNow(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time of this process so far (user + system, every thread), in ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
