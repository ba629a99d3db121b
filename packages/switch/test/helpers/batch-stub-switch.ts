import { join } from 'node:path';
import type { ProtocolInfo } from '@sanshare/protocol-info';
import { afterEach, expect } from 'vitest';
import { createCatalog, defaultProtocolInfo, WSAStartup, type Switch } from '../../src/index.js';
import { newBatchStubState, type BatchStubState, type StubOffers } from '../fixtures/batch-provider.js';

const STUB = join(import.meta.dirname, '../fixtures/batch-provider.ts');

/** A switch over two stub providers (test/fixtures/batch-provider.ts), with their states and catalog infos. */
export interface BatchStubSwitch {
  s: Switch;
  /** The TCP/IPv4 provider's state. */
  v4: BatchStubState;
  /** The TCP/IPv6 provider's state. */
  v6: BatchStubState;
  info4: ProtocolInfo;
  info6: ProtocolInfo;
}

/**
 * For a describe block: `start(offers)` makes a switch over two stub providers in this process, the
 * first serving TCP/IPv4 and the second TCP/IPv6 (so a socket's address family picks its provider),
 * each offering `offers[i]`. Each test's switch is cleaned up, and its stub states released, after it.
 */
export function useBatchStubSwitch(): (offers: [StubOffers, StubOffers]) => Promise<BatchStubSwitch> {
  let sw: Switch | undefined;
  const keys: string[] = [];
  afterEach(async () => {
    await sw?.WSACleanup();
    sw = undefined;
    for (const key of keys.splice(0)) delete (globalThis as Record<string, unknown>)[key];
  });
  return async (offers) => {
    const states = offers.map(() => newBatchStubState());
    const catalog = await createCatalog();
    for (const [i, af] of (['inet', 'inet6'] as const).entries()) {
      const key = `switchBatchStub${process.pid}_${i}_${Math.random().toString(36).slice(2)}`;
      keys.push(key);
      (globalThis as Record<string, unknown>)[key] = states[i];
      await catalog.install({ protocolInfo: defaultProtocolInfo(af), providerModule: STUB, providerOptions: { state: key, offers: offers[i] } });
    }
    const started = await WSAStartup({ catalog });
    expect(started.loadFailures).toEqual([]);
    sw = started;
    const [info4, info6] = started.WSAEnumProtocols() as [ProtocolInfo, ProtocolInfo];
    return { s: started, v4: states[0] as BatchStubState, v6: states[1] as BatchStubState, info4, info6 };
  };
}
