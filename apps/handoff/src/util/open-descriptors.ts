import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** One open descriptor of this process and what it refers to (`socket:[123]`, `pipe:[45]`, a path). */
export interface OpenDescriptor {
  fd: number;
  target: string;
}

/** Lists this process's open descriptors from `/proc/self/fd` (Linux). */
export function openDescriptors(): OpenDescriptor[] {
  const out: OpenDescriptor[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      // The descriptor readdir itself used, already closed.
      continue;
    }
    out.push({ fd, target });
  }
  return out.sort((a, b) => a.fd - b.fd);
}

/**
 * The descriptors open now that were not open at `baseline` (same number and same target),
 * ignoring the ones Node opens for itself on first use (the event loop's epoll/eventfd, signal pipes).
 */
export function descriptorsOpenedSince(baseline: readonly OpenDescriptor[], now: readonly OpenDescriptor[] = openDescriptors()): OpenDescriptor[] {
  const before = new Set(baseline.map((d) => `${d.fd} ${d.target}`));
  const opened = now.filter((d) => !before.has(`${d.fd} ${d.target}`) && !isRuntimeInternal(d.target));
  return opened.map((d) => ({ ...d, target: describeSocket(d.target) }));
}

/**
 * How many of `descriptors` are the process's own (sockets, pipes, files), leaving out the ones Node
 * opens for itself on first use (see `descriptorsOpenedSince`): the count a process must be back to at
 * its end.
 */
export function countOwnDescriptors(descriptors: readonly OpenDescriptor[] = openDescriptors()): number {
  return descriptors.filter((d) => !isRuntimeInternal(d.target)).length;
}

/** `socket:[123]` plus what the kernel says it is (`tcp 127.0.0.1:80 > ...`, `unix /path`), for reports. */
function describeSocket(target: string): string {
  const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
  if (inode === undefined) return target;
  try {
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[6] === inode) return `${target} unix ${fields[7] ?? '(unnamed)'}`;
    }
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (fields[9] === inode) return `${target} tcp ${fields[1] ?? '?'} > ${fields[2] ?? '?'} state ${fields[3] ?? '?'}`;
      }
    }
  } catch {
    // Not Linux, or /proc unreadable: the bare target says enough.
  }
  return target;
}

function isRuntimeInternal(target: string): boolean {
  return target.startsWith('anon_inode:') || target.startsWith('/dev/');
}
