import { readdirSync, readlinkSync } from 'node:fs';

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
export function descriptorsOpenedSince(baseline: readonly OpenDescriptor[]): OpenDescriptor[] {
  const before = new Set(baseline.map((d) => `${d.fd} ${d.target}`));
  return openDescriptors().filter((d) => !before.has(`${d.fd} ${d.target}`) && !isRuntimeInternal(d.target));
}

function isRuntimeInternal(target: string): boolean {
  return target.startsWith('anon_inode:') || target.startsWith('/dev/');
}
