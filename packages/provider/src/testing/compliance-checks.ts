/**
 * Provider compliance checks: the spec's duplication semantics, run against any `WspProcTable`
 * through a fixture. Framework-free (each check throws on failure) so that any test runner wraps
 * them; everything is real (a loopback TCP echo server, kernel sockets, the provider's own endpoint).
 */
import { strict as assert } from 'node:assert';
import net from 'node:net';
import { FROM_PROTOCOL_INFO, isWsaError, SD, SO, SOL_SOCKET, type WspProcTable } from '@sanshare/protocol-info';

/** What a check runs against: a started provider that can duplicate into `pid` (usually its own). */
export interface ProviderFixture {
  procTable: WspProcTable;
  /** A process whose provider shares the runtime directory; the checks import there too, so: this one. */
  pid: number;
}

export interface ComplianceCheck {
  name: string;
  run(fixture: ProviderFixture): Promise<void>;
}

interface Echo {
  port: number;
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

async function recvExactly(p: WspProcTable, s: number, bytes: number): Promise<string> {
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

async function rejectsWith(promise: Promise<unknown>, code: Parameters<typeof isWsaError>[1]): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isWsaError(error, code), `expected ${String(code)}, got ${String(error)}`);
    return;
  }
  assert.fail(`expected ${String(code)}, but the call succeeded`);
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The checks, in the order a reader of the spec meets the rules. */
export const complianceChecks: readonly ComplianceCheck[] = [
  {
    name: 'should return a protocol info whose dwProviderReserved names the export, and import it once',
    run: (fixture) =>
      withConnection(fixture, async (s) => {
        const p = fixture.procTable;
        await p.WSPSend(s, text('ping'));
        const info = await p.WSPDuplicateSocket(s, fixture.pid);
        assert.ok(info.dwProviderReserved !== 0);
        assert.equal(info.exportContext?.exportId, info.dwProviderReserved);
        const t = await p.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, 0);
        try {
          assert.notEqual(t, s);
          assert.equal(await recvExactly(p, t, 4), 'ping');
          await rejectsWith(p.WSPSocket(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, info, 0, 0), 'WSAEINVAL');
        } finally {
          await p.WSPCloseSocket(t);
        }
      }),
  },
  {
    name: 'should keep the connection open until the last descriptor closes',
    run: (fixture) =>
      withConnection(fixture, async (s, echo) => {
        const p = fixture.procTable;
        const t = await p.WSPSocket(-1, -1, -1, await p.WSPDuplicateSocket(s, fixture.pid), 0, 0);
        await p.WSPCloseSocket(s);
        await p.WSPSend(t, text('alive'));
        assert.equal(await recvExactly(p, t, 5), 'alive');
        assert.equal(echo.fins, 0);
        await p.WSPShutdown(t, SD.SEND);
        assert.equal((await p.WSPRecv(t)).length, 0);
        assert.equal(echo.fins, 1);
        await p.WSPCloseSocket(t);
      }),
  },
  {
    name: 'should show an option set on one descriptor through its duplicate',
    run: (fixture) =>
      withConnection(fixture, async (s) => {
        const p = fixture.procTable;
        const t = await p.WSPSocket(-1, -1, -1, await p.WSPDuplicateSocket(s, fixture.pid), 0, 0);
        try {
          p.WSPSetSockOpt(t, SOL_SOCKET, SO.KEEPALIVE, true);
          assert.equal(p.WSPGetSockOpt(s, SOL_SOCKET, SO.KEEPALIVE), true);
          p.WSPSetSockOpt(s, SOL_SOCKET, SO.KEEPALIVE, false);
          assert.equal(p.WSPGetSockOpt(t, SOL_SOCKET, SO.KEEPALIVE), false);
        } finally {
          await p.WSPCloseSocket(t);
        }
      }),
  },
  {
    name: 'should fail WSPDuplicateSocket with WSAENOTSOCK and WSAEINVAL, never WSAEINPROGRESS',
    run: (fixture) =>
      withConnection(fixture, async (s) => {
        const p = fixture.procTable;
        await rejectsWith(p.WSPDuplicateSocket(0x7ffffff0, fixture.pid), 'WSAENOTSOCK');
        await rejectsWith(p.WSPDuplicateSocket(s, -1), 'WSAEINVAL');
        await rejectsWith(p.WSPDuplicateSocket(s, 0x1_0000_0000), 'WSAEINVAL');
        // The socket is unharmed by the failures.
        await p.WSPSend(s, text('ok'));
        assert.equal(await recvExactly(p, s, 2), 'ok');
      }),
  },
  {
    name: 'should refuse a forged protocol info with WSAEINVAL',
    run: async (fixture) => {
      const p = fixture.procTable;
      const forged = {
        dwServiceFlags1: 0, dwServiceFlags2: 0, dwServiceFlags3: 0, dwServiceFlags4: 0, dwProviderFlags: 0,
        ProviderId: '00000000-0000-0000-0000-000000000000', dwCatalogEntryId: 1,
        ProtocolChain: { chainLen: 1, chainEntries: [1] }, iVersion: 2, iAddressFamily: 2, iMaxSockAddr: 16,
        iMinSockAddr: 16, iSocketType: 1, iProtocol: 6, iProtocolMaxOffset: 0, iNetworkByteOrder: 0,
        iSecurityScheme: 0, dwMessageSize: 0, dwProviderReserved: 0x5eed, szProtocol: 'forged',
      };
      await rejectsWith(p.WSPSocket(-1, -1, -1, forged, 0, 0), 'WSAEINVAL');
    },
  },
];
