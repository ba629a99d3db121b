import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** The inode of the TCP socket with this local and remote port on 127.0.0.1 (from /proc/net/tcp). */
export function tcpSocketInode(localPort: number, remotePort: number): string | undefined {
  const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    if (cols[1]?.endsWith(`:${hex(localPort)}`) && cols[2]?.endsWith(`:${hex(remotePort)}`)) return cols[9];
  }
  return undefined;
}

/**
 * How many descriptors of process `pid` refer to the socket with this inode: the kernel's own
 * reference count, per process, of the shared socket.
 */
export function descriptorsOf(pid: number, inode: string): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) count++;
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return count;
}

/** The number of open descriptors of this process. */
export function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** What each open descriptor of this process refers to (for a leak's message). */
export function describeDescriptors(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return `${fd} -> ?`;
    }
  });
}
