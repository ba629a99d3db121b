import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, dupFd, seqpacketPair } from './descriptors.js';
import { isUdsError } from './errors.js';
import { socketAddresses } from './socket-addresses.js';

const fdOf = (s: Socket | Server): number => (s as unknown as { _handle: { fd: number } })._handle.fd;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const run of cleanups.splice(0)) run();
});

async function pair(host: string): Promise<{ server: Server; client: Socket; accepted: Socket }> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, host);
  const [accepted] = (await once(server, 'connection')) as [Socket];
  await once(client, 'connect');
  cleanups.push(() => {
    client.destroy();
    accepted.destroy();
    server.close();
  });
  return { server, client, accepted };
}

describe('socketAddresses', () => {
  it('should give both ends of a connected TCP socket, as Node sees them, for IPv4 and IPv6', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const { client } = await pair(host);
      const got = socketAddresses(fdOf(client));
      expect(got).toEqual({
        local: { family: host === '::1' ? 6 : 4, address: client.localAddress, port: client.localPort },
        peer: { family: host === '::1' ? 6 : 4, address: client.remoteAddress, port: client.remotePort },
      });
    }
  });

  it('should give no peer for a listening socket and for an unconnected UDP socket', async () => {
    const { server } = await pair('127.0.0.1');
    expect(socketAddresses(fdOf(server))).toEqual({ local: { family: 4, address: '127.0.0.1', port: (server.address() as AddressInfo).port }, peer: null });
    const udp = createSocket('udp4');
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    cleanups.push(() => udp.close());
    const udpFd = (udp as unknown as { _handle: { fd: number } })._handle.fd;
    expect(socketAddresses(udpFd).peer).toBeNull();
  });

  it('should refuse a Unix socket, a closed descriptor and a bad argument with UdsError', () => {
    const [a, b] = seqpacketPair();
    try {
      expect(() => socketAddresses(a)).toThrow(expect.objectContaining({ code: 'UDS_INVALID_ARGUMENT' }));
    } finally {
      closeFd(a);
      closeFd(b);
    }
    const spare = dupFd(0);
    closeFd(spare);
    try {
      socketAddresses(spare);
      expect.unreachable();
    } catch (error) {
      expect(isUdsError(error, 'UDS_BAD_DESCRIPTOR')).toBe(true);
    }
    expect(() => socketAddresses(1.5)).toThrow(expect.objectContaining({ code: 'UDS_BAD_DESCRIPTOR' }));
  });
});
