import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamSocket } from './stream-socket.js';

/** A real loopback TCP connection: the client end and the server's accepted end. */
async function tcpPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect({ host: '127.0.0.1', port: (listener.address() as net.AddressInfo).port });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const server = await accepted;
  server.pause();
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

describe('StreamSocket.send', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('should resolve without waiting for the write callback when the kernel took every byte', async () => {
    const { client, close } = await tcpPair();
    closers.push(close);
    const callbacks: boolean[] = [];
    const write = client.write.bind(client);
    // Observe the write callback: whether it ran by the time send resolved.
    client.write = ((data: Uint8Array, cb: (error?: Error | null) => void) =>
      write(data, (error?: Error | null) => {
        callbacks.push(true);
        cb(error);
      })) as typeof client.write;
    const stream = new StreamSocket(client);
    expect(await stream.send(new Uint8Array(1024))).toBe(1024);
    expect(client.writableLength).toBe(0);
    expect(callbacks).toEqual([]);
    await stream.close();
  });

  it('should wait while bytes are queued in this process and resolve once all are in the kernel', async () => {
    const { client, server, close } = await tcpPair();
    closers.push(close);
    const stream = new StreamSocket(client);
    // Far more than the kernel's buffers hold while the peer does not read.
    const big = new Uint8Array(64 * 1024 * 1024);
    let resolved = false;
    const sending = stream.send(big).then((n) => {
      resolved = true;
      return n;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    expect(client.writableLength).toBeGreaterThan(0);
    let got = 0;
    server.on('data', (chunk: Buffer) => {
      got += chunk.length;
    });
    server.resume();
    expect(await sending).toBe(big.length);
    expect(client.writableLength).toBe(0);
    await stream.close();
    expect(got).toBeGreaterThan(0);
  });
});
