/**
 * Removes this user's stale endpoints from the runtime directory when a provider starts: the socket
 * files `<pid>.sock` that processes killed without `WSPCleanup` (SIGKILL, a crash) left behind.
 *
 * Stale means nobody accepts on it: `connect()` fails with `ECONNREFUSED`. Never "its pid looks
 * dead": pids are reused, and a runtime directory can be shared across pid namespaces, where a pid
 * names another process or none. Only socket files (`lstat`, never following a link) owned by this
 * user are considered; anything else is never removed (docs/wire-uds.md). A file made less than
 * STALE_ENDPOINT_MIN_AGE_MS ago is left alone: a provider that is starting binds its file a moment
 * before it listens, and in between a connect is refused too.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@sanshare/transport-uds';
import { STALE_ENDPOINT_MIN_AGE_MS, STALE_PROBE_TIMEOUT_MS } from './constants.js';

const ENDPOINT_NAME = /^[1-9][0-9]*\.sock$/;
const ECONNREFUSED = 111;

/** Removes the stale endpoints of `dir` other than `ownPid`'s (its own path is transport-uds's `listen`'s to check); returns the paths removed. */
export async function removeStaleEndpoints(dir: string, ownPid: number): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    // Nothing to read: the endpoint's own listen says what is wrong with the directory, if anything.
    return [];
  }
  const own = `${ownPid}.sock`;
  const removed = await Promise.all(names.filter((name) => ENDPOINT_NAME.test(name) && name !== own).map((name) => removeIfStale(join(dir, name))));
  return removed.filter((path): path is string => path !== undefined);
}

async function removeIfStale(path: string): Promise<string | undefined> {
  const uid = process.getuid?.();
  const before = lstatSync(path, { throwIfNoEntry: false });
  if (before === undefined || !before.isSocket() || (uid !== undefined && before.uid !== uid)) return undefined;
  if (Date.now() - before.mtimeMs < STALE_ENDPOINT_MIN_AGE_MS) return undefined;
  try {
    const probe = await connect(path, { timeoutMs: STALE_PROBE_TIMEOUT_MS });
    // Someone accepts there: alive.
    await probe.close().catch(() => {});
    return undefined;
  } catch (error) {
    if ((error as { errno?: unknown }).errno !== ECONNREFUSED) return undefined;
  }
  // The same file as probed, not one a new process with that pid has just made.
  const after = lstatSync(path, { throwIfNoEntry: false });
  if (after === undefined || after.ino !== before.ino || after.dev !== before.dev) return undefined;
  try {
    unlinkSync(path);
    return path;
  } catch {
    return undefined;
  }
}
