/**
 * Whether another process is out of file descriptors, read from `/proc` (same user: readable).
 *
 * A target at its `RLIMIT_NOFILE` cannot say so over the hand-off protocol: the kernel drops the
 * descriptor of the `Export` (`MSG_CTRUNC`), transport-uds then fails and closes the channel
 * without a reply, and the target's listener cannot accept a new channel (`EMFILE`). The source
 * sees only silence or a closed channel; this check, made on those failure paths only (never per
 * hand-off), turns them into the spec's `WSAEMFILE` instead of `WSAEINVAL`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { MIN_FREE_TARGET_DESCRIPTORS } from './constants.js';

/** The soft `Max open files` of `/proc/<pid>/limits`, or undefined (unlimited, or unreadable). */
function softNofile(pid: number): number | undefined {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\d+)/m.exec(limits);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * True when process `pid` has fewer than {@link MIN_FREE_TARGET_DESCRIPTORS} descriptors left
 * below its soft limit; false when it has more, or when `/proc` does not say (another user,
 * `hidepid`, the process gone). A snapshot: the target may free descriptors a moment later.
 */
export function targetOutOfDescriptors(pid: number): boolean {
  try {
    const limit = softNofile(pid);
    if (limit === undefined) return false;
    return limit - readdirSync(`/proc/${pid}/fd`).length < MIN_FREE_TARGET_DESCRIPTORS;
  } catch {
    return false;
  }
}
