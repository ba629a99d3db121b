/**
 * What the forged-input tests (forged-exports, forged-batches) send a target: sockets of every kind
 * this process can make, each closed by the test's cleanups, and a well-formed `Export` naming one,
 * for the test to spoil a field at a time.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { closeFd, detachNetSocket, getSocketCookie, seqpacketPair } from '@sanshare/transport-uds';
import type { ExportMessage } from '../../src/export-codec.js';

/** What closes what a test opened, even when it failed (run in reverse in afterEach). */
export type Cleanups = Array<() => void | Promise<void>>;

const fdOf = (handleOwner: unknown): number => (handleOwner as { _handle: { fd: number } })._handle.fd;

/** Socket makers; each registers its own close in `cleanups`. */
export function forgedSockets(cleanups: Cleanups) {
  return {
    /**
     * A TCP socket of this process connected to `port`: its descriptor and its cookie. Taken out of
     * its net.Socket at once (no FIN), so that this process never reads from it: the target that
     * imports it must be the only reader of what the peer echoes.
     */
    async connectedTcp(port: number): Promise<{ fd: number; cookie: bigint }> {
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const { fd } = detachNetSocket(socket);
      cleanups.push(() => closeFd(fd));
      return { fd, cookie: getSocketCookie(fd) };
    },

    /** A TCP socket bound and never connected nor listening (libuv creates it at bind). */
    unconnectedTcp(): number {
      const { TCP, constants } = (
        process as unknown as {
          binding(name: string): { TCP: new (type: number) => { bind(address: string, port: number): number; fd: number; close(): void }; constants: { SOCKET: number } };
        }
      ).binding('tcp_wrap');
      const handle = new TCP(constants.SOCKET);
      handle.bind('127.0.0.1', 0);
      cleanups.push(() => handle.close());
      return handle.fd;
    },

    async listeningTcp(): Promise<number> {
      const server = net.createServer().listen(0, '127.0.0.1');
      await once(server, 'listening');
      cleanups.push(() => void server.close());
      return fdOf(server);
    },

    async udp(): Promise<number> {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      cleanups.push(() => void socket.close());
      return fdOf(socket);
    },

    unixSocket(): number {
      const [mine, other] = seqpacketPair();
      cleanups.push(() => {
        closeFd(mine);
        closeFd(other);
      });
      return mine;
    },
  };
}

/** Makes well-formed Exports with ids counted from `firstId` (each test file its own range). */
export function exportMaker(firstId: number, nonceFill: number) {
  let nextId = firstId;
  /** A well-formed Export for `targetPid` naming the socket `cookie`, with `overrides`. */
  return function exportFor(targetPid: number, cookie: bigint, overrides: Partial<ExportMessage> = {}): ExportMessage {
    return {
      version: 2,
      exportId: nextId++,
      nonce: new Uint8Array(16).fill(nonceFill),
      socketCookie: cookie,
      targetPid,
      socket: { addressFamily: 2, socketType: 1, protocol: 6, catalogEntryId: 1001 },
      options: { rcvtimeoMs: 0, sndtimeoMs: 0 },
      readAhead: new Uint8Array(0),
      appMessage: undefined,
      ...overrides,
    };
  };
}
