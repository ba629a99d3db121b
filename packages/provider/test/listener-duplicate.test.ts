/**
 * A listening socket duplicated between two provider processes: the source stops accepting at once;
 * the connections it had accepted stay its own (WSPAccept hands them out, then says WSAEACCES; a
 * close refuses to drop them); new connects wait in the backlog for the target, whose import is a
 * listening socket. Nothing leaks in the source.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { expectCode, startAgent } from './helpers/agent-runner.js';
import { useRuntimeDir } from './helpers/runtime-dir-and-peer.js';
import { fdCount } from './helpers/temp-dir.js';
import { waitUntil } from './helpers/wait-until.js';

/** A client of `port` whose whole reply (until the server closes) is returned. */
async function client(port: number): Promise<{ socket: net.Socket; reply: Promise<string> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => (text += chunk));
  const reply = new Promise<string>((resolve, reject) => {
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  await once(socket, 'connect');
  return { socket, reply };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('a duplicated listening socket', () => {
  const fx = useRuntimeDir();

  it('should keep what the source accepted as the source\'s, send new connects to the target, and leak nothing', { timeout: 30_000 }, async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const { s, port } = await a.call<{ s: number; port: number }>('listen');
    // Three connects the source's server accepts (each is one more descriptor in the source).
    const before = fdCount(a.pid);
    const early = [await client(port), await client(port), await client(port)];
    await waitUntil(() => fdCount(a.pid) === before + 3);

    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    const afterDuplicate = fdCount(a.pid);
    // Closing now would drop three accepted connections: refused, saying how many.
    const refusal = await expectCode(a.call('close', { s }), 'WSAEWOULDBLOCK');
    expect(refusal.message).toMatch(/still holds 3 accepted connection/);

    // A connect made now waits in the backlog (nobody accepts), and the target's import gets it.
    const late = await client(port);
    const imported = await b.call<number>('import', { info });
    expect(await b.call('sockname', { s: imported })).toEqual({ address: '127.0.0.1', port });
    const taken = await b.call<number>('accept', { s: imported });
    await b.call('send', { s: taken, data: bytes('from B') });
    await b.call('close', { s: taken });
    expect(await late.reply).toBe('from B');

    // The source still serves the three it had accepted, then its accept says the listener is handed off.
    for (const { reply } of early) {
      const c = await a.call<number>('accept', { s });
      await a.call('send', { s: c, data: bytes('from A') });
      await a.call('close', { s: c });
      expect(await reply).toBe('from A');
    }
    await expectCode(a.call('accept', { s }), 'WSAEACCES');
    await a.call('close', { s });
    // The three connections and the listener's descriptor are gone from the source; nothing else changed.
    await waitUntil(() => fdCount(a.pid) === afterDuplicate - 4);
    expect(fdCount(a.pid)).toBe(afterDuplicate - 4);

    // The target's listener still accepts (the kernel socket lives in it alone now).
    const next = await client(port);
    const again = await b.call<number>('accept', { s: imported });
    await b.call('send', { s: again, data: bytes('still B') });
    await b.call('close', { s: again });
    expect(await next.reply).toBe('still B');
    await b.call('close', { s: imported });
  });
});
