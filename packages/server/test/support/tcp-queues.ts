import { readFileSync } from 'node:fs';

/**
 * The kernel's send and receive queues, in bytes, of this host's TCP socket from `localPort` to
 * `remotePort` on loopback (`/proc/net/tcp`); undefined when there is none. Lets a test tell that a
 * server has read everything a client sent (its receive queue is empty), which the client's own
 * `writableLength` cannot say: the bytes may still wait in the server's kernel buffer.
 */
export function tcpQueues(localPort: number, remotePort: number): { tx: number; rx: number } | undefined {
  const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, , queues] = [fields[1], fields[2], fields[3], fields[4]];
      if (local === undefined || remote === undefined || queues === undefined) continue;
      if (!local.endsWith(`:${hex(localPort)}`) || !remote.endsWith(`:${hex(remotePort)}`)) continue;
      const [tx, rx] = queues.split(':').map((q) => Number.parseInt(q, 16));
      return { tx: tx ?? 0, rx: rx ?? 0 };
    }
  }
  return undefined;
}

/** Whether the server on `serverPort` has read every byte its client on `clientPort` sent: nothing queued on the way. */
export function serverReadEverything(serverPort: number, clientPort: number): boolean {
  const client = tcpQueues(clientPort, serverPort);
  const server = tcpQueues(serverPort, clientPort);
  return client !== undefined && server !== undefined && client.tx === 0 && server.rx === 0;
}
