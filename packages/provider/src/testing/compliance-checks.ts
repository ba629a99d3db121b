/**
 * Provider compliance checks: the spec's duplication semantics (WSPDuplicateSocket, remarks and the
 * 17-step scenario), run across two real processes against any provider through a fixture.
 * Framework-free (each check throws on failure) so that any test runner wraps them; everything is
 * real (a loopback TCP echo server, kernel sockets, two OS processes, each provider's own endpoint).
 * The checks hold a provider to the spec only: what a sanshare provider adds (its protobuf export
 * context, its extensions) is not required.
 */
import { strict as assert } from 'node:assert';
import net from 'node:net';
import { FROM_PROTOCOL_INFO, isWsaError, SD, SO, SOL_SOCKET, type ProtocolInfo, type WsaErrorCode, type WspProcTable } from '@sanshare/protocol-info';
import type { PeerProcTable } from './peer-calls.js';
import type { PeerProvider } from './peer-provider.js';

/**
 * What a check runs against (made by a `setup()` of the caller's: see the package's README). Both
 * providers share one runtime directory, so that each can hand the other a socket.
 */
export interface ProviderFixture {
  /** The provider under test, in this process (started with `WSPStartup`, or loaded by a switch). */
  procTable: WspProcTable;
  /** This process's pid: the peer duplicates sockets back to it. */
  pid: number;
  /** The same provider in a second, separate process (`startPeerProvider`): the target of the duplications. */
  peer: PeerProvider;
}

export interface ComplianceCheck {
  name: string;
  run(fixture: ProviderFixture): Promise<void>;
}

interface Echo {
  port: number;
  /** FINs received from clients: the connection's end as the remote peer sees it. */
  fins: number;
  close(): Promise<void>;
}

async function echoServer(): Promise<Echo> {
  const echo: Echo = { port: 0, fins: 0, close: async () => {} };
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    sockets.add(c);
    c.on('error', () => {});
    c.on('data', (d) => c.write(d));
    c.on('end', () => {
      echo.fins++;
      c.end();
    });
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  echo.port = (server.address() as net.AddressInfo).port;
  echo.close = async () => {
    for (const c of sockets) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return echo;
}

/** Runs `body` with a socket of this process's provider connected to a fresh echo server; closes both after. */
async function withConnection(fixture: ProviderFixture, body: (s: number, echo: Echo) => Promise<void>): Promise<void> {
  const echo = await echoServer();
  const p = fixture.procTable;
  const s = await p.WSPSocket(2, 1, 6, null, 0, 0);
  try {
    await p.WSPConnect(s, { address: '127.0.0.1', port: echo.port });
    await body(s, echo);
  } finally {
    await p.WSPCloseSocket(s).catch(() => {});
    await echo.close();
  }
}

/** Duplicates `s` into the peer and imports it there; `body` gets the peer's descriptor, closed after it. */
async function inPeer(fixture: ProviderFixture, s: number, body: (t: number) => Promise<void>): Promise<void> {
  const q = fixture.peer.procTable;
  const info = await fixture.procTable.WSPDuplicateSocket(s, fixture.peer.pid);
  const t = await q.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, 0);
  try {
    await body(t);
  } finally {
    await q.WSPCloseSocket(t).catch(() => {});
  }
}

/** Receives exactly `bytes` bytes (or up to the peer's FIN) from `s`, as text. */
async function recvExactly(p: WspProcTable | PeerProcTable, s: number, bytes: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < bytes) {
    const chunk = await p.WSPRecv(s, { maxBytes: bytes - total });
    if (chunk.length === 0) break;
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts).toString();
}

async function rejectsWith(promise: Promise<unknown>, code: WsaErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isWsaError(error, code), `expected ${code}, got ${String(error)}`);
    return;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A protocol info no provider returned: the catalog's shape, with a made-up dwProviderReserved. */
function forgedInfo(): ProtocolInfo {
  return {
    dwServiceFlags1: 0, dwServiceFlags2: 0, dwServiceFlags3: 0, dwServiceFlags4: 0, dwProviderFlags: 0,
    ProviderId: '00000000-0000-0000-0000-000000000000', dwCatalogEntryId: 1,
    ProtocolChain: { chainLen: 1, chainEntries: [1] }, iVersion: 2, iAddressFamily: 2, iMaxSockAddr: 16,
    iMinSockAddr: 16, iSocketType: 1, iProtocol: 6, iProtocolMaxOffset: 0, iNetworkByteOrder: 0,
    iSecurityScheme: 0, dwMessageSize: 0, dwProviderReserved: 0x5eed, szProtocol: 'forged',
  };
}

/** The checks, in the order a reader of the spec meets the rules. */
export const complianceChecks: readonly ComplianceCheck[] = [
  {
    name: 'should return a protocol info that only the target process can use, and only once',
    run: (fixture) =>
      withConnection(fixture, async (s) => {
        const p = fixture.procTable;
        const q = fixture.peer.procTable;
        await p.WSPSend(s, text('ping'));
        const info = await p.WSPDuplicateSocket(s, fixture.peer.pid);
        // A provider with a protobuf context (sanshare's) names the same export in both places.
        if (info.exportContext !== undefined) assert.equal(info.exportContext.exportId, info.dwProviderReserved);
        // Not in the source: the info was made for the peer's pid.
        await rejectsWith(p.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, 0), 'WSAEINVAL');
        const t = await q.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, 0);
        try {
          // The echo of what the source sent arrives in the target: the same connection.
          assert.equal(await recvExactly(q, t, 4), 'ping');
          // "The switch in this destination process can only use the special WSAPROTOCOL_INFOW once."
          await rejectsWith(q.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, 0), 'WSAEINVAL');
        } finally {
          await q.WSPCloseSocket(t);
        }
      }),
  },
  {
    name: 'should hand the socket to the target and back, as the spec\'s 17 steps do, on one connection',
    run: (fixture) =>
      withConnection(fixture, async (s, echo) => {
        const p = fixture.procTable;
        const q = fixture.peer.procTable;
        // 5, 6, 8: duplicate for the target, which creates its descriptor from the info.
        const info = await p.WSPDuplicateSocket(s, fixture.peer.pid);
        const t = await q.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, 0);
        // 9: the target exchanges data.
        await q.WSPSend(t, text('from the target'));
        assert.equal(await recvExactly(q, t, 15), 'from the target');
        // 10, 11, 12: it duplicates back to the source and closes its descriptor, not the socket.
        const back = await q.WSPDuplicateSocket(t, fixture.pid);
        await q.WSPCloseSocket(t);
        // 14, 15: the source regains the socket with a new descriptor and closes the old one.
        const u = await p.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, back, 0, 0);
        try {
          await p.WSPCloseSocket(s);
          await p.WSPSend(u, text('home'));
          assert.equal(await recvExactly(p, u, 4), 'home');
          assert.equal(echo.fins, 0);
          // 16: graceful shutdown: the peer sees one FIN, and answers with its own.
          await p.WSPShutdown(u, SD.SEND);
          assert.equal((await p.WSPRecv(u)).length, 0);
          assert.equal(echo.fins, 1);
        } finally {
          // 17: the final close.
          await p.WSPCloseSocket(u);
        }
      }),
  },
  {
    name: 'should keep the connection open until the last descriptor, in any process, closes',
    run: (fixture) =>
      withConnection(fixture, async (s, echo) => {
        const q = fixture.peer.procTable;
        await inPeer(fixture, s, async (t) => {
          await fixture.procTable.WSPCloseSocket(s);
          await q.WSPSend(t, text('alive'));
          assert.equal(await recvExactly(q, t, 5), 'alive');
          assert.equal(echo.fins, 0);
          await q.WSPShutdown(t, SD.SEND);
          assert.equal((await q.WSPRecv(t)).length, 0);
          assert.equal(echo.fins, 1);
        });
      }),
  },
  {
    name: 'should show an option set on one descriptor through its duplicate in the other process',
    run: (fixture) =>
      withConnection(fixture, async (s) => {
        const p = fixture.procTable;
        const q = fixture.peer.procTable;
        await inPeer(fixture, s, async (t) => {
          await q.WSPSetSockOpt(t, SOL_SOCKET, SO.KEEPALIVE, true);
          assert.equal(p.WSPGetSockOpt(s, SOL_SOCKET, SO.KEEPALIVE), true);
          p.WSPSetSockOpt(s, SOL_SOCKET, SO.KEEPALIVE, false);
          assert.equal(await q.WSPGetSockOpt(t, SOL_SOCKET, SO.KEEPALIVE), false);
        });
      }),
  },
  {
    name: 'should fail WSPDuplicateSocket with WSAENOTSOCK and WSAEINVAL, never WSAEINPROGRESS, and leave the socket working',
    run: (fixture) =>
      withConnection(fixture, async (s) => {
        const p = fixture.procTable;
        await rejectsWith(p.WSPDuplicateSocket(0x7ffffff0, fixture.peer.pid), 'WSAENOTSOCK');
        await rejectsWith(p.WSPDuplicateSocket(s, -1), 'WSAEINVAL');
        await rejectsWith(p.WSPDuplicateSocket(s, 0x1_0000_0000), 'WSAEINVAL');
        await p.WSPSend(s, text('ok'));
        assert.equal(await recvExactly(p, s, 2), 'ok');
      }),
  },
  {
    name: 'should refuse a forged protocol info with WSAEINVAL in either process',
    run: async (fixture) => {
      await rejectsWith(fixture.peer.procTable.WSPSocket(-1, -1, -1, forgedInfo(), 0, 0), 'WSAEINVAL');
      await rejectsWith(fixture.procTable.WSPSocket(-1, -1, -1, forgedInfo(), 0, 0), 'WSAEINVAL');
    },
  },
];
