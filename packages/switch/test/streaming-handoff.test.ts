import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Agent } from './helpers/agent.js';
import { PROVIDERS } from './helpers/providers.js';
import { useTwoAgents } from './helpers/two-agents.js';

const HANDOFFS = 12;
const LINES = 30_000;

describe.each(PROVIDERS)('hand-offs while the peer streams (two processes, through the switch API, $name)', (provider) => {
  const fx = useTwoAgents('switch-stream-', provider);

  it('should deliver every byte once and in order across many hand-offs', async () => {
    const { dir, catalogFile, peer, source: a, destination: b } = fx;
    const pids = [await a.call<number>('startup', { catalogFile }), await b.call<number>('startup', { catalogFile })];
    await b.call('listenChannel', { path: join(dir, 'c.sock') });
    const accepted = b.call('acceptChannel');
    await a.call('connectChannel', { path: join(dir, 'c.sock') });
    await accepted;

    let s = await a.call<number>('socket');
    await a.call('connect', { s, port: peer.port });
    await peer.until(() => peer.connections.length === 1);
    // The peer sends everything at once; the kernel and Node's buffer release it as the holders read.
    const payload = Array.from({ length: LINES }, (_, i) => `${String(i).padStart(7, '0')}\n`).join('');
    peer.connections[0]?.end(payload);

    const holders = [a, b];
    let received = '';
    for (let i = 0; i < HANDOFFS; i++) {
      const from = holders[i % 2] as Agent;
      const to = holders[(i + 1) % 2] as Agent;
      // Small reads: the provider holds bytes it read ahead and nobody received, which the hand-off must carry.
      received += await from.call<string>('recvAtLeast', { s, bytes: 8_000, chunk: 1_000 });
      await from.call('duplicate', { s, pid: pids[(i + 1) % 2], as: `h${i}` });
      // Nothing may be read from the old descriptor once it is handed off.
      expect(await from.failure('recv', { s })).toBe('WSAEACCES');
      await from.call('sendInfo', { name: `h${i}` });
      await to.call('receiveInfo', { as: `h${i}` });
      const next = await to.call<number>('socketFromInfo', { name: `h${i}` });
      await from.call('closesocket', { s });
      s = next;
    }
    const last = holders[HANDOFFS % 2] as Agent;
    received += await last.call<string>('recvAtLeast', { s, bytes: payload.length });
    expect(received.length).toBe(payload.length);
    expect(received === payload).toBe(true);
    await last.call('closesocket', { s });
    expect(peer.connections).toHaveLength(1);
  });
});
