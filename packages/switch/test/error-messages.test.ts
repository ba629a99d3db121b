import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AF, IPPROTO, SOCK, isWsaError } from '@sanshare/protocol-info';
import { listen } from '@sanshare/transport-uds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectProtocolInfoChannel,
  createCatalog,
  defaultCatalogEntries,
  defaultCatalogEntry,
  defaultProtocolInfo,
  isSwitchError,
  listenProtocolInfoChannel,
  SWITCH_ERRORS,
  SwitchError,
  WSAStartup,
  type SwitchErrorCode,
} from '../src/index.js';

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const firstLine = (error: Error): string => error.message.split('\n')[0] as string;

/**
 * Each switch error, made for real, and what its first line must say: what failed, why, and what to
 * do, each a pattern. The message starts with the code once: whoever prints `message` sees it once.
 */
describe('the first line of every switch error', () => {
  let dir: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-errors-'));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  /** A module whose WSPStartup fails the way sanshare's does when its runtime directory cannot be made. */
  async function failingProvider(): Promise<string> {
    const file = join(dir, 'failing.mjs');
    await writeFile(
      file,
      `export async function WSPStartup() {
  throw new Error('WSPStartup failed', { cause: new Error('cannot create the runtime directory /nope', { cause: new Error("EACCES: permission denied, mkdir '/nope'") }) });
}\n`,
    );
    return file;
  }

  const cases: [SwitchErrorCode, string, () => Promise<unknown>, [what: RegExp, why: RegExp, todo: RegExp]][] = [
    [
      'ERR_CATALOG_CORRUPT',
      'a catalog file that is not JSON',
      async () => {
        await writeFile(join(dir, 'c.json'), '{"format": "sanshare-cat');
        return createCatalog({ file: join(dir, 'c.json') });
      },
      [/catalog file .*c\.json is not a usable catalog/, /not valid JSON/, /repair it, or move it away/],
    ],
    [
      'ERR_CATALOG_CORRUPT',
      'a catalog file that cannot be read',
      async () => {
        await mkdir(join(dir, 'a-directory.json'));
        return createCatalog({ file: join(dir, 'a-directory.json') });
      },
      [/catalog file .*a-directory\.json/, /cannot be read: EISDIR/, /check the path and its permissions/],
    ],
    [
      'ERR_CATALOG_INVALID_ENTRY',
      'an entry without a module',
      async () => (await createCatalog()).install({ protocolInfo: defaultProtocolInfo('inet'), providerModule: '' }),
      [/install: the entry was refused/, /providerModule is not a module name/, /defaultCatalogEntry makes a valid one/],
    ],
    [
      'ERR_CATALOG_UNKNOWN_ENTRY',
      'removing an id never installed',
      async () => (await createCatalog()).remove(4242),
      [/remove: no catalog entry has id 4242/, /never installed, or removed already/, /catalog\.list\(\) gives the installed ids/],
    ],
    [
      'ERR_CATALOG_WRITE',
      'a catalog file in a directory that does not exist',
      async () => (await createCatalog({ file: join(dir, 'missing', 'c.json') })).install(defaultCatalogEntry('inet')),
      [/catalog file .*c\.json cannot be written/, /ENOENT/, /the catalog is unchanged: make its directory writable/],
    ],
    [
      'WSAEPROVIDERFAILEDINIT',
      'a provider module that does not exist',
      async () => {
        const catalog = await createCatalog();
        await catalog.install({ ...defaultCatalogEntry('inet'), providerModule: join(dir, 'nowhere.mjs') });
        throw (await WSAStartup({ catalog })).loadFailures[0]?.error;
      },
      [/catalog entry 1001 \(.*nowhere\.mjs\): the provider module cannot be loaded/, /Cannot find module|ERR_MODULE_NOT_FOUND/, /install it, or fix providerModule/],
    ],
    [
      'WSAEPROVIDERFAILEDINIT',
      'a WSPStartup whose reason is two causes deep',
      async () => {
        const catalog = await createCatalog();
        await catalog.install({ ...defaultCatalogEntry('inet'), providerModule: await failingProvider() });
        throw (await WSAStartup({ catalog })).loadFailures[0]?.error;
      },
      [/catalog entry 1001 \(.*failing\.mjs\): WSPStartup failed/, /cannot create the runtime directory \/nope; cause: EACCES: permission denied/, /fix what it names/],
    ],
    [
      'WSAEINVALIDPROCTABLE',
      'a procedure table without WSPSend',
      async () => {
        const file = join(dir, 'partial.mjs');
        await writeFile(file, "export async function WSPStartup() { return { version: 0x0202, highVersion: 0x0202, description: '', procTable: { WSPCleanup: async () => {} } }; }\n");
        const catalog = await createCatalog();
        await catalog.install({ ...defaultCatalogEntry('inet'), providerModule: file });
        throw (await WSAStartup({ catalog })).loadFailures[0]?.error;
      },
      [/catalog entry 1001 \(.*partial\.mjs\)/, /procTable lacks WSPSocket, .*WSPSend/, /fix it or use another one/],
    ],
    [
      'WSAVERNOTSUPPORTED',
      'WSAStartup asked for Winsock 1.1',
      async () => WSAStartup({ catalog: await createCatalog(), versionRequested: 0x0101 }),
      [/WSAStartup: version 0x101 was requested/, /speaks 2\.2 \(0x0202\) only/, /omit versionRequested or pass 0x0202/],
    ],
    [
      'ERR_CHANNEL_CLOSED',
      'connecting where nothing listens',
      () => connectProtocolInfoChannel(join(dir, 'nobody.sock'), { timeoutMs: 5000 }),
      [/cannot connect to the protocol-info channel at .*nobody\.sock/, /no listener/, /start the listening side first/],
    ],
    [
      'ERR_CHANNEL_CLOSED',
      'receiving after the peer closed',
      async () => {
        const server = await listenProtocolInfoChannel(join(dir, 'c.sock'));
        cleanups.push(() => server.close());
        const client = await connectProtocolInfoChannel(join(dir, 'c.sock'), { timeoutMs: 5000 });
        const accepted = await server.accept({ timeoutMs: 5000 });
        cleanups.push(() => accepted.close());
        await client.close();
        return accepted.receiveProtocolInfo({ timeoutMs: 5000 });
      },
      [/the peer \(pid \d+\)/, /closed the protocol-info channel/, /open a new channel to exchange more/],
    ],
    [
      'ERR_CHANNEL_TIMEOUT',
      'a receive nobody answers',
      async () => {
        const server = await listenProtocolInfoChannel(join(dir, 'c.sock'));
        cleanups.push(() => server.close());
        const client = await connectProtocolInfoChannel(join(dir, 'c.sock'), { timeoutMs: 5000 });
        cleanups.push(() => client.close());
        return client.receiveProtocolInfo({ timeoutMs: 10 });
      },
      [/receiveProtocolInfo/, /did not complete within 10 ms/, /retry or pass a larger timeoutMs/],
    ],
    [
      'ERR_CHANNEL_PEER_PID',
      'a listener that is not the expected process',
      async () => {
        const server = await listenProtocolInfoChannel(join(dir, 'c.sock'));
        cleanups.push(() => server.close());
        return connectProtocolInfoChannel(join(dir, 'c.sock'), { expectedPid: process.pid + 1, timeoutMs: 5000 });
      },
      [/the protocol-info channel at .*c\.sock/, new RegExp(`belongs to pid ${process.pid}, not ${process.pid + 1}`), /check which process listens at that path/],
    ],
    [
      'ERR_CHANNEL_PROTOCOL',
      'a peer that sends garbage',
      async () => {
        const raw = await listen(join(dir, 'raw.sock'));
        cleanups.push(() => raw.close());
        const rawAccepted = raw.accept({ timeoutMs: 5000 });
        const channel = await connectProtocolInfoChannel(join(dir, 'raw.sock'), { timeoutMs: 5000 });
        cleanups.push(() => channel.close());
        const peer = await rawAccepted;
        cleanups.push(() => peer.close());
        await peer.send(Uint8Array.from([0xff, 0xff, 0xff]));
        return channel.receiveProtocolInfo({ timeoutMs: 5000 });
      },
      [/the peer \(pid \d+\) sent a malformed protocol-info channel message/, /decodeChannelMessage/, /do not duplicate a socket for this peer/],
    ],
  ];

  it.each(cases)('should say what failed, why and what to do: %s on %s', async (code, _what, trigger, patterns) => {
    const error = await failure(trigger);
    expect(isSwitchError(error, code), String(error)).toBe(true);
    const line = firstLine(error);
    expect(line.startsWith(`${code}: `)).toBe(true);
    expect(line.slice(code.length + 2).startsWith(code)).toBe(false);
    for (const pattern of patterns) expect(line).toMatch(pattern);
  });

  it('should cover every SwitchError code', () => {
    expect(new Set(cases.map(([code]) => code))).toEqual(new Set(Object.keys(SWITCH_ERRORS)));
  });

  it("should name in WSASocket's first line the entry that would have served it, and its provider's load error in full", async () => {
    const catalog = await createCatalog();
    // sanshare's provider, with a runtime directory that cannot exist (under a regular file).
    await writeFile(join(dir, 'a-file'), '');
    for (const entry of defaultCatalogEntries('@sanshare/provider', { runtimeDir: join(dir, 'a-file', 'run') })) await catalog.install(entry);
    const sw = await WSAStartup({ catalog });
    cleanups.push(() => sw.WSACleanup());
    const error = await failure(() => sw.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP));
    expect(isWsaError(error, 'WSAEINVAL')).toBe(true);
    const line = firstLine(error);
    expect(line).toMatch(/^WSAEINVAL: WSASocket: no loaded provider for af 2, type 1, protocol 6: /);
    expect(line).toContain('catalog entry 1001 (@sanshare/provider) serves it but failed to load: WSAEPROVIDERFAILEDINIT: WSPStartup failed');
    expect(line).toContain('ENOTDIR');
    expect(line).toMatch(/start the switch again/);
    // Only the entry that matches: the IPv6 entry (1002) failed too, but does not serve af 2.
    expect(line).not.toContain('1002');
  });

  it('should say so when no catalog entry serves the call at all', async () => {
    const sw = await WSAStartup({ catalog: await createCatalog() });
    cleanups.push(() => sw.WSACleanup());
    const line = firstLine(await failure(() => sw.socket(AF.INET, SOCK.STREAM, IPPROTO.TCP)));
    expect(line).toMatch(/no loaded provider for af 2, type 1, protocol 6: no catalog entry serves it; install one \(defaultCatalogEntries/);
  });

  it('should never put the code twice at the front of a message, even one handed on from an error of the same code', () => {
    expect(new SwitchError('ERR_CHANNEL_CLOSED', 'the peer left').message).toBe('ERR_CHANNEL_CLOSED: the peer left');
    expect(new SwitchError('ERR_CHANNEL_CLOSED', 'ERR_CHANNEL_CLOSED: the peer left').message).toBe('ERR_CHANNEL_CLOSED: the peer left');
    expect(new SwitchError('ERR_CHANNEL_PROTOCOL', 'ERR_CHANNEL_CLOSED: the peer left').message).toBe('ERR_CHANNEL_PROTOCOL: ERR_CHANNEL_CLOSED: the peer left');
  });
});
