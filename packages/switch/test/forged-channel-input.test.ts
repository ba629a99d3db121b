import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSwitchError, listenProtocolInfoChannel, type ProtocolInfoChannel, type ProtocolInfoChannelServer, type SwitchErrorCode } from '../src/index.js';
import { describeDescriptors, openDescriptors } from './helpers/kernel-refs.js';
import { tsxNode } from './helpers/spawn-script.js';

const TIMEOUT_MS = 10_000;

interface ForgerResult {
  attack: string;
  ok: boolean;
  closedBy?: string;
  listenerPid?: number;
  error?: string;
}

/** test/fixtures/channel-forger.ts in its own process: one attack per line, one JSON result per line. */
class Forger {
  readonly #child: ChildProcess;
  readonly #waiting: ((result: ForgerResult) => void)[] = [];
  readonly exited: Promise<void>;

  constructor() {
    this.#child = spawn(...tsxNode(join(import.meta.dirname, 'fixtures/channel-forger.ts')), { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#waiting.shift()?.(JSON.parse(line) as ForgerResult));
  }

  get pid(): number {
    return this.#child.pid as number;
  }

  run(attack: string, path: string): Promise<ForgerResult> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#child.stdin!.write(`${attack} ${path}\n`);
    });
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the channel to refuse the peer');
}

/** Each forgery, the error the listening side's channel must end with, and the call that sees it. */
const ATTACKS: [attack: string, code: SwitchErrorCode, call: 'receive' | 'pid', says: RegExp][] = [
  ['garbage', 'ERR_CHANNEL_PROTOCOL', 'receive', /sent a malformed protocol-info channel message/],
  ['second-body', 'ERR_CHANNEL_PROTOCOL', 'receive', /a second body/],
  ['invalid-protocol-info', 'ERR_CHANNEL_PROTOCOL', 'receive', /an invalid protocol info/],
  ['unsolicited-reply', 'ERR_CHANNEL_PROTOCOL', 'receive', /pid request 77, which was never asked/],
  ['descriptor-attached', 'ERR_CHANNEL_PROTOCOL', 'receive', /1 descriptor\(s\) with a frame/],
  ['two-descriptors', 'ERR_CHANNEL_PROTOCOL', 'receive', /broke the transport's framing/],
  ['oversize', 'ERR_CHANNEL_PROTOCOL', 'receive', /broke the transport's framing/],
  ['lying-pid', 'ERR_CHANNEL_PEER_PID', 'pid', /claims pid \d+ but the kernel reports pid \d+/],
];

describe('a protocol-info channel listener against forged input from another process', () => {
  let dir: string;
  let path: string;
  let server: ProtocolInfoChannelServer;
  let forger: Forger;
  let good: Forger;
  const channels: ProtocolInfoChannel[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switch-forged-'));
    path = join(dir, 'channel.sock');
    server = await listenProtocolInfoChannel(path);
    forger = new Forger();
    good = new Forger();
  });
  afterEach(async () => {
    forger.kill();
    good.kill();
    await Promise.all([forger.exited, good.exited]);
    for (const channel of channels.splice(0)) await channel.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Waits (bounded, never timed) until this process holds `expected` descriptors again. */
  async function expectDescriptors(expected: number): Promise<void> {
    for (let i = 0; i < 200 && openDescriptors() !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(openDescriptors(), describeDescriptors().join('\n')).toBe(expected);
  }

  it.each(ATTACKS)('should refuse %s with %s, close the connection, leak no descriptor, and keep serving other peers', async (attack, code, call, says) => {
    const before = openDescriptors();
    const accepted = server.accept({ timeoutMs: TIMEOUT_MS });
    const forged = forger.run(attack, path);
    const channel = await accepted;
    channels.push(channel);
    expect(channel.peer.pid).toBe(forger.pid);
    const error = await failure(call === 'pid' ? channel.requestPeerPid({ timeoutMs: TIMEOUT_MS }) : channel.receiveProtocolInfo({ timeoutMs: TIMEOUT_MS }));
    expect(isSwitchError(error, code), String(error)).toBe(true);
    expect((error as Error).message).toMatch(says);
    expect((error as Error).message).toMatch(new RegExp(`^${code}: .*do not duplicate a socket for this peer`));
    expect(channel.closed).toBe(true);
    // Every later call fails the same way; nothing the forger sent is handed out.
    await expect(channel.receiveProtocolInfo({ timeoutMs: TIMEOUT_MS })).rejects.toBe(error);
    expect(await forged).toMatchObject({ attack, ok: true, closedBy: 'eof' });
    await channel.close();
    await expectDescriptors(before);

    // Another process, well behaved, is served by the same listener.
    const next = server.accept({ timeoutMs: TIMEOUT_MS });
    const served = good.run('good', path);
    const peer = await next;
    channels.push(peer);
    expect(await peer.requestPeerPid({ timeoutMs: TIMEOUT_MS })).toBe(good.pid);
    expect(await peer.receiveProtocolInfo({ timeoutMs: TIMEOUT_MS })).toMatchObject({ dwCatalogEntryId: 1001 });
    await peer.close();
    expect(await served).toMatchObject({ ok: true, listenerPid: process.pid, closedBy: 'eof' });
    await expectDescriptors(before);
  });

  it('should keep serving a peer that connected before a forger and finishes after it', async () => {
    const before = openDescriptors();
    const first = server.accept({ timeoutMs: TIMEOUT_MS });
    const served = good.run('good', path);
    const peer = await first;
    channels.push(peer);
    // The forger comes and goes while the good peer's channel is open.
    const second = server.accept({ timeoutMs: TIMEOUT_MS });
    const forged = forger.run('second-body', path);
    const bad = await second;
    channels.push(bad);
    await expect(bad.receiveProtocolInfo({ timeoutMs: TIMEOUT_MS })).rejects.toSatisfy((e) => isSwitchError(e, 'ERR_CHANNEL_PROTOCOL'));
    expect(await forged).toMatchObject({ ok: true, closedBy: 'eof' });
    expect(await peer.requestPeerPid({ timeoutMs: TIMEOUT_MS })).toBe(good.pid);
    expect(await peer.receiveProtocolInfo({ timeoutMs: TIMEOUT_MS })).toMatchObject({ dwCatalogEntryId: 1001 });
    await Promise.all([peer.close(), bad.close()]);
    expect(await served).toMatchObject({ ok: true, listenerPid: process.pid });
    await expectDescriptors(before);
  });
});
