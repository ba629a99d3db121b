// The spec's hand-off in two processes: this one (the source) connects to a TCP peer, hands the
// live connection to a second process (the destination) over a protocol-info channel, gets it back and
// closes it gracefully. Run: node examples/handoff.mjs  (after building the packages).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AF, FROM_PROTOCOL_INFO, IPPROTO, SD, SOCK } from '@sanshare/protocol-info';
import { connectProtocolInfoChannel, createCatalog, defaultCatalogEntries, listenProtocolInfoChannel, WSAStartup } from '@sanshare/switch';

const FROM = FROM_PROTOCOL_INFO;

/** A switch whose catalog holds the default entries (TCP over IPv4 and IPv6) served by @sanshare/provider. */
async function startSwitch(dir) {
  const catalog = await createCatalog();
  // Both processes' providers must share the runtime directory: that is where they find each other.
  for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir: join(dir, 'run') })) await catalog.install(entry);
  const sw = await WSAStartup({ catalog });
  for (const failure of sw.loadFailures) throw failure.error;
  return sw;
}

const [role, dir] = process.argv.slice(2);

if (role === 'destination') {
  const sw = await startSwitch(dir);
  const server = await listenProtocolInfoChannel(join(dir, 'channel.sock'));
  process.stdout.write('ready\n');
  const channel = await server.accept(); // steps 2-4: the source's pid request is answered by itself
  const info = await channel.receiveProtocolInfo(); // step 7
  const s = await sw.WSASocket(FROM, FROM, FROM, info); // step 8
  await sw.send(s, `hello from the destination, pid ${process.pid}\n`); // step 9
  const back = await sw.WSADuplicateSocket(s, channel.peer.pid); // step 10
  await channel.sendProtocolInfo(back); // step 11
  await sw.closesocket(s); // step 12: the descriptor, not the connection
  await channel.close();
  await server.close();
  await sw.WSACleanup();
} else {
  // The remote TCP peer: prints what it receives on its one connection.
  const peer = createServer({ allowHalfOpen: true }, (conn) => {
    conn.on('data', (data) => process.stdout.write(`peer got: ${data}`));
    conn.on('end', () => conn.end('bye'));
  });
  await new Promise((resolve) => peer.listen(0, '127.0.0.1', resolve));
  const work = mkdtempSync(join(tmpdir(), 'sanshare-example-'));
  const destination = spawn(process.execPath, [fileURLToPath(import.meta.url), 'destination', work], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(destination.stdout, 'data'); // "ready"
    const sw = await startSwitch(work);
    const s = await sw.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP); // step 1
    await sw.connect(s, { address: '127.0.0.1', port: peer.address().port });
    await sw.send(s, `hello from the source, pid ${process.pid}\n`);
    const channel = await connectProtocolInfoChannel(join(work, 'channel.sock'));
    const pid = await channel.requestPeerPid(); // steps 2, 4 (checked against SO_PEERCRED)
    const info = await sw.WSADuplicateSocket(s, pid); // step 5: from now on, hands off
    await channel.sendProtocolInfo(info); // step 6
    const back = await channel.receiveProtocolInfo(); // step 13
    const s2 = await sw.WSASocket(FROM, FROM, FROM, back); // step 14: access regained
    await sw.closesocket(s); // step 15
    await sw.send(s2, `hello again from the source, pid ${process.pid}\n`);
    await sw.shutdown(s2, SD.SEND); // step 16
    for (let data = await sw.recv(s2); data.length > 0; data = await sw.recv(s2)) process.stdout.write(`source got: ${Buffer.from(data)}\n`);
    await sw.closesocket(s2); // step 17
    await channel.close();
    await sw.WSACleanup();
    await once(destination, 'exit');
  } finally {
    destination.kill();
    peer.close();
    rmSync(work, { recursive: true, force: true });
  }
}
