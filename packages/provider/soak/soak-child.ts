/**
 * The second process of the soak: a provider that takes every socket the first process hands it
 * (WSPReceiveDuplicate: the message is the stream state), uses it (reads and checks downstream
 * counters, sends upstream ones) and hands it straight back with the new state. Exits when its stdin
 * closes. Usage: node --import tsx soak-child.ts <runtimeDir>
 */
import type { WspExtensions } from '@sanshare/protocol-info';
import { WSPStartup } from './provider-under-soak.js';
import { soakCatalogEntry, soakUpcalls } from './soak-provider.js';
import { lcg, pump, type StreamState } from './soak-stream.js';

const runtimeDir = process.argv[2] as string;
const { procTable: p, extensions } = await WSPStartup(0x0202, soakCatalogEntry(), soakUpcalls(), { runtimeDir });
const x = extensions as Required<WspExtensions>;
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ ready: process.pid })}\n`);
const random = lcg(process.pid);
for (;;) {
  const { protocolInfo, message, sourcePid } = await x.WSPReceiveDuplicate();
  const s = await p.WSPSocket(-1, -1, -1, protocolInfo, 0, 0);
  let state = JSON.parse(Buffer.from(message).toString()) as StreamState;
  state = await pump(p, s, state, 1 + Math.floor(random() * 24_000), Math.floor(random() * 400));
  await x.WSPDuplicateSocketWithMessage(s, sourcePid, Buffer.from(JSON.stringify(state)));
  await p.WSPCloseSocket(s);
}
