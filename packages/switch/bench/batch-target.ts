// The target process of the batch benchmark: a switch with sanshare's provider that takes every
// socket duplicated to it with a message (WSAReceiveDuplicates, then WSASocket on each protocol
// info), and prints `{ imported }` each time it has taken the count the parent asked for (one JSON
// line on stdin: { expect: n }); then it closes them, ready for the next round.
import { createInterface } from 'node:readline';
import { FROM_PROTOCOL_INFO as FROM } from '@sanshare/protocol-info';
import { createCatalog, defaultCatalogEntries, WSAStartup } from '../src/index.js';

const runtimeDir = process.argv[2] as string;
const catalog = await createCatalog();
for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir })) await catalog.install(entry);
const sw = await WSAStartup({ catalog });
process.stdout.write(`${JSON.stringify({ pid: process.pid })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const { expect } = JSON.parse(line) as { expect: number };
  const imported: number[] = [];
  while (imported.length < expect) {
    // All of one receive imported at once: their claims go to the source in one notice.
    const deliveries = await sw.WSAReceiveDuplicates({ timeoutMs: 60_000 });
    imported.push(...(await Promise.all(deliveries.map((delivery) => sw.WSASocket(FROM, FROM, FROM, delivery.protocolInfo)))));
  }
  process.stdout.write(`${JSON.stringify({ imported: imported.length })}\n`);
  for (const s of imported) await sw.closesocket(s);
}
await sw.WSACleanup();
