// Benchmarks of the switch's own costs, each a fixed number of iterations (no time budget):
//   switch/getsockname      a synchronous call: lookup, access check, translation, provider call
//   switch/send-recv-1k     1 KiB to a loopback echo server and back, through the switch
//   channel/pid-round-trip  requestPeerPid over a protocol-info channel (both ends in this process)
//   handoff/self            WSADuplicateSocket to this process + WSASocket from the info + closesocket
// Run: pnpm --filter @sanshare/switch bench [regex]. Prints a table, writes bench/results/<date>.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AF, FROM_PROTOCOL_INFO as FROM, IPPROTO, SOCK } from '@sanshare/protocol-info';
import { connectProtocolInfoChannel, createCatalog, defaultCatalogEntries, listenProtocolInfoChannel, WSAStartup } from '../src/index.js';

const filter = new RegExp(process.argv[2] ?? '.');
const dir = mkdtempSync(join(tmpdir(), 'switch-bench-'));
const results: { name: string; iterations: number; totalMs: number; perOpUs: number; opsPerSec: number }[] = [];

async function bench(name: string, iterations: number, op: () => Promise<unknown> | unknown): Promise<void> {
  if (!filter.test(name)) return;
  for (let i = 0; i < Math.min(100, iterations); i++) await op(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await op();
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  results.push({ name, iterations, totalMs: +totalMs.toFixed(1), perOpUs: +((totalMs * 1000) / iterations).toFixed(2), opsPerSec: Math.round(iterations / (totalMs / 1000)) });
}

const echo = createServer((c) => c.pipe(c));
await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
const catalog = await createCatalog();
for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir: join(dir, 'run') })) await catalog.install(entry);
const sw = await WSAStartup({ catalog });
try {
  let s = await sw.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP);
  await sw.connect(s, { address: '127.0.0.1', port: (echo.address() as { port: number }).port });

  await bench('switch/getsockname', 100_000, () => sw.getsockname(s));

  const kib = new Uint8Array(1024).fill(7);
  await bench('switch/send-recv-1k', 5_000, async () => {
    await sw.send(s, kib);
    let got = 0;
    while (got < kib.length) got += (await sw.recv(s, { maxBytes: kib.length - got })).length;
  });

  const server = await listenProtocolInfoChannel(join(dir, 'c.sock'));
  const client = await connectProtocolInfoChannel(join(dir, 'c.sock'));
  const accepted = await server.accept();
  await bench('channel/pid-round-trip', 5_000, () => client.requestPeerPid());

  await bench('handoff/self', 500, async () => {
    const info = await sw.WSADuplicateSocket(s, process.pid);
    const again = await sw.WSASocket(FROM, FROM, FROM, info);
    await sw.closesocket(s);
    s = again;
  });

  await client.close();
  await accepted.close();
  await server.close();
  await sw.closesocket(s);
} finally {
  await sw.WSACleanup();
  echo.close();
  await once(echo, 'close').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

console.table(results);
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
const file = join(out, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`);
console.log(`written ${file}`);
