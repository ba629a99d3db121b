import { once } from 'node:events';
import { connect as tcpConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dupFd } from './descriptors.js';
import { stopReading, toNetSocket } from './net-socket.js';

/** 2 Mi little-endian u32 counters (8 MiB): a lost, repeated or reordered byte breaks the sequence. */
const STREAM = (() => {
  const words = new Uint32Array(2 * 1024 * 1024);
  for (let i = 0; i < words.length; i++) words[i] = i;
  return Buffer.from(words.buffer);
})();
const CHUNK = 64 * 1024;

/** Writes STREAM as fast as the reader takes it, then ends. */
async function stream(peer: Socket): Promise<void> {
  for (let at = 0; at < STREAM.length; at += CHUNK) {
    if (!peer.write(STREAM.subarray(at, at + CHUNK))) await once(peer, 'drain');
  }
  peer.end();
}

function fdOf(socket: Socket): number {
  return (socket as unknown as { _handle: { fd: number } })._handle.fd;
}

/** Everything `socket` delivers until the peer's FIN. */
async function readToEnd(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

describe('stopReading', () => {
  const cleanups: Array<() => void> = [];

  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /** A TCP connection on 127.0.0.1 whose far end streams STREAM; returns the near end. */
  async function streamingConnection(): Promise<{ socket: Socket; sent: Promise<void> }> {
    const server: Server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const socket = tcpConnect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
    const [peer] = await accepted;
    cleanups.push(() => {
      socket.destroy();
      peer.destroy();
      server.close();
    });
    return { socket, sent: stream(peer) };
  }

  /**
   * Reads part of the stream through a 'data' listener, runs `stop` (which calls stopReading),
   * then reads the rest through a duplicate of the descriptor: the three parts must be the stream.
   */
  async function splitStream(stop: (socket: Socket) => Promise<Buffer>): Promise<{ readAhead: Buffer }> {
    const { socket, sent } = await streamingConnection();
    const before: Buffer[] = [];
    let length = 0;
    socket.on('data', (chunk: Buffer) => {
      before.push(chunk);
      length += chunk.length;
    });
    await vi.waitFor(() => expect(length).toBeGreaterThanOrEqual(256 * 1024), { timeout: 20_000, interval: 1 });
    const readAhead = await stop(socket);
    expect(socket.listenerCount('data')).toBe(0);
    const lengthAtStop = length;
    // The descriptor moves on (as in a hand-off): a duplicate reads what the kernel still holds.
    const rest = toNetSocket(dupFd(fdOf(socket)));
    cleanups.push(() => rest.destroy());
    socket.destroy();
    const after = await readToEnd(rest);
    await sent;
    // The removed listener saw nothing more, and nothing is lost or repeated across the three parts.
    expect(length).toBe(lengthAtStop);
    const whole = Buffer.concat([...before, readAhead, after]);
    expect(whole.length).toBe(STREAM.length);
    expect(whole.equals(STREAM)).toBe(true);
    return { readAhead };
  }

  it('should return what a paused socket read ahead, and leave the rest on the descriptor', async () => {
    const { readAhead } = await splitStream(async (socket) => {
      socket.pause();
      // pause() is no stop: libuv keeps filling the stream's buffer. Wait until it holds bytes.
      await vi.waitFor(() => expect(socket.readableLength).toBeGreaterThan(0), { timeout: 20_000, interval: 1 });
      return stopReading(socket);
    });
    expect(readAhead.length).toBeGreaterThan(0);
  });

  it('should stop a flowing socket between two chunks, its data listeners included', async () => {
    await splitStream(async (socket) => {
      const extra = vi.fn();
      socket.on('data', extra);
      // From the check phase of the event loop: between two reads of libuv, the stream flowing.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const readAhead = stopReading(socket);
      const callsAtStop = extra.mock.calls.length;
      // Let libuv run a few turns: a stream still reading would emit to nobody (and lose bytes).
      for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(extra).toHaveBeenCalledTimes(callsAtStop);
      return readAhead;
    });
  });
});
