/**
 * The other processes of the benchmark, one per mode (argv[2]):
 * - `agent <runtimeDir>`: a provider that imports each protocol info it reads on stdin (JSON lines),
 *   then either duplicates it back to the parent (`back`) or closes it (`close`), answering on stdout;
 *   and each socket it receives with WSPReceiveDuplicate, which it duplicates back with the same message.
 * - `node-ipc`: returns every handle Node's IPC channel hands it (child_process `send(message, socket)`).
 * - `node-ipc-info`: the same, the message being a protocol info in the agent's JSON (decoded, re-encoded).
 * - `peer`: a loopback TCP server; per connection, the first byte picks the work: `D` sends the
 *   requested byte count (download), `U` counts bytes and answers one byte at the expected count
 *   (upload), `H` holds the connection idle.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { WSPStartup } from './provider-under-test.js';
import { testCatalogEntry } from '../test/helpers/catalog.js';
import { createTestUpcalls } from '../test/helpers/test-upcalls.js';
import { fromJson, toJson } from '../test/helpers/wire-json.js';

const mode = process.argv[2];

if (mode === 'agent') {
  const credits = process.env['BENCH_EXPORT_CREDITS'];
  const { procTable: p, extensions } = await WSPStartup(0x0202, testCatalogEntry(), createTestUpcalls(), { runtimeDir: process.argv[3] as string, ...(credits === undefined ? {} : { exportCredits: Number(credits) }) });
  // Sockets that come with their protocol info (WSPDuplicateSocketWithMessage) go straight back to their source.
  const x = extensions as Required<NonNullable<typeof extensions>>;
  // BENCH_ASK_NAMES=1: ask both names of every imported socket, as the switch does (its access-control key).
  const askNames = process.env['BENCH_ASK_NAMES'] === '1';
  void (async () => {
    for (;;) {
      const { protocolInfo, message, sourcePid } = await x.WSPReceiveDuplicate();
      const s = await p.WSPSocket(-1, -1, -1, protocolInfo, 0, 0);
      if (askNames) {
        p.WSPGetSockName(s);
        p.WSPGetPeerName(s);
      }
      await x.WSPDuplicateSocketWithMessage(s, sourcePid, message);
      await p.WSPCloseSocket(s);
    }
  })();
  const lines = createInterface({ input: process.stdin });
  process.stdout.write(`${toJson({ ready: process.pid })}\n`);
  for await (const line of lines) {
    const { info, then, to } = fromJson(line) as { info: ProtocolInfo; then: 'back' | 'close'; to: number };
    const s = await p.WSPSocket(-1, -1, -1, info, 0, 0);
    if (askNames) {
      p.WSPGetSockName(s);
      p.WSPGetPeerName(s);
    }
    let back: ProtocolInfo | null = null;
    if (then === 'back') back = await p.WSPDuplicateSocket(s, to);
    await p.WSPCloseSocket(s);
    process.stdout.write(`${toJson({ back })}\n`);
  }
  process.exit(0);
} else if (mode === 'node-ipc') {
  process.on('message', (message: unknown, handle: unknown) => {
    const socket = handle as net.Socket;
    process.send?.(message, socket, { keepOpen: false });
  });
} else if (mode === 'node-ipc-info') {
  // The fair counterpart of `agent`: the message is a protocol info in the agent's JSON, decoded
  // and encoded again here, so Node's row pays the same protocol-info transfer as sanshare's.
  process.on('message', (message: unknown, handle: unknown) => {
    const { info } = fromJson(message as string) as { info: ProtocolInfo };
    process.send?.(toJson({ back: info }), handle as net.Socket, { keepOpen: false });
  });
} else if (mode === 'peer') {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    let header: Buffer | null = null;
    let counted = 0;
    let expected = 0;
    socket.on('data', (chunk: Buffer) => {
      if (header === null) {
        header = chunk.subarray(0, 9);
        const kind = String.fromCharCode(header[0] as number);
        expected = Number(header.readBigUInt64BE(1));
        const rest = chunk.subarray(9);
        if (kind === 'D') {
          const block = Buffer.alloc(256 * 1024, 7);
          let left = expected;
          const pump = (): void => {
            while (left > 0) {
              const n = Math.min(left, block.length);
              left -= n;
              if (!socket.write(n === block.length ? block : block.subarray(0, n))) {
                socket.once('drain', pump);
                return;
              }
            }
          };
          pump();
          return;
        }
        if (kind === 'H') return;
        chunk = rest;
      }
      counted += chunk.length;
      if (expected > 0 && counted >= expected) {
        socket.write(Buffer.from([1]));
        expected = 0;
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
