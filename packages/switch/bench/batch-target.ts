// The target process of the batch benchmark: a switch with sanshare's provider that takes every
// socket duplicated to it with a message (WSAReceiveDuplicates, then WSASocket on each protocol
// info, or with `bulk` one WSASocketBatch for all of one receive), and prints `{ imported, cpuMs }`
// each time it has taken the count the parent asked for (one JSON line on stdin: { expect: n, bulk? });
// then it closes them, ready for the next round. `cpuMs`: this process's CPU over the round.
import { createInterface } from 'node:readline';
import { FROM_PROTOCOL_INFO as FROM } from '@sanshare/protocol-info';
import { createCatalog, defaultCatalogEntries, WSAStartup } from '../src/index.js';

const runtimeDir = process.argv[2] as string;
const catalog = await createCatalog();
for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir })) await catalog.install(entry);
const sw = await WSAStartup({ catalog });
process.stdout.write(`${JSON.stringify({ pid: process.pid })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const { expect, bulk } = JSON.parse(line) as { expect: number; bulk?: boolean };
  const cpuAtStart = process.cpuUsage();
  const imported: number[] = [];
  while (imported.length < expect) {
    const deliveries = await sw.WSAReceiveDuplicates({ timeoutMs: 60_000 });
    if (bulk === true) {
      // One call for all of one receive (at most 253 per provider call inside the switch).
      for (const result of await sw.WSASocketBatch(deliveries.map((delivery) => delivery.protocolInfo))) {
        if (result.s === undefined) throw result.error;
        imported.push(result.s);
      }
    } else {
      // All of one receive imported at once: their claims go to the source in one notice.
      imported.push(...(await Promise.all(deliveries.map((delivery) => sw.WSASocket(FROM, FROM, FROM, delivery.protocolInfo)))));
    }
  }
  const cpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(`${JSON.stringify({ imported: imported.length, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  for (const s of imported) await sw.closesocket(s);
}
await sw.WSACleanup();
