import type { ProtocolInfo } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { startAgent, type Agent } from './helpers/agent-runner.js';
import { fdCount } from './helpers/temp-dir.js';
import { useRuntimeDirAndEchoPeer } from './helpers/runtime-dir-and-peer.js';

/** Connects `n` sockets in `agent` to the peer. */
async function connectMany(agent: Agent, port: number, n: number): Promise<number[]> {
  const ss: number[] = [];
  for (let i = 0; i < n; i++) ss.push(await agent.call<number>('connect', { address: '127.0.0.1', port }));
  return ss;
}

describe('WSPCleanup releasing hand-off channels', () => {
  const fx = useRuntimeDirAndEchoPeer();

  it('should open one channel for concurrent first duplications to one target and close it at cleanup', async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const fdsAtStart = fdCount(a.pid);
    const ss = await connectMany(a, fx.peer.port, 8);
    const infos = await a.call<ProtocolInfo[]>('duplicateAll', { ss, pid: b.pid });
    expect(infos).toHaveLength(8);
    // One channel: the 8 sockets plus one Unix socket, nothing per caller.
    expect(fdCount(a.pid)).toBe(fdsAtStart + 8 + 1);
    for (const info of infos) await b.call('close', { s: await b.call<number>('import', { info }) });
    await a.call('cleanup');
    // The 8 sockets and the channel are closed, and so is the endpoint's listener, which was open
    // at the start: exactly one descriptor fewer than then.
    expect(fdCount(a.pid)).toBe(fdsAtStart - 1);
  });

  it("should close the channels the target's endpoint accepted when the target cleans up", async () => {
    const [a, b] = await Promise.all([startAgent({ runtimeDir: fx.dir }), startAgent({ runtimeDir: fx.dir })]);
    const fdsAtStart = fdCount(b.pid);
    const [s] = (await connectMany(a, fx.peer.port, 1)) as [number];
    const info = await a.call<ProtocolInfo>('duplicate', { s, pid: b.pid });
    await b.call('close', { s: await b.call<number>('import', { info }) });
    // The source keeps its channel open (and alive): only the target's cleanup can close its end.
    await b.call('cleanup');
    // The accepted channel is closed, and so is the endpoint's listener: one fewer than at the start.
    expect(fdCount(b.pid)).toBe(fdsAtStart - 1);
  });
});
