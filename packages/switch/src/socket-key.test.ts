import type { SockAddr } from '@sanshare/protocol-info';
import { describe, expect, it } from 'vitest';
import { socketKeyOf, type KeyedProvider } from './socket-key.js';

/** A provider whose name calls answer from fixed values (`undefined`: the call throws, as for a socket without one). */
function provider(id: number, local: SockAddr | undefined | 'garbage', peer: SockAddr | undefined): KeyedProvider {
  const answer = (value: SockAddr | undefined | 'garbage'): SockAddr => {
    if (value === undefined) throw new Error('not connected');
    return value as SockAddr;
  };
  return { id, procTable: { WSPGetSockName: () => answer(local), WSPGetPeerName: () => answer(peer) } };
}

const local = { address: '127.0.0.1', port: 40000 };
const remote = { address: '127.0.0.1', port: 80 };

describe('socketKeyOf', () => {
  it('should key a connected socket by its address pair, per provider', () => {
    expect(socketKeyOf(provider(0, local, remote), 7)).toBe('0/connected/[127.0.0.1]:40000/[127.0.0.1]:80');
    expect(socketKeyOf(provider(1, local, remote), 7)).not.toBe(socketKeyOf(provider(0, local, remote), 7));
    expect(socketKeyOf(provider(0, local, { ...remote, port: 81 }), 7)).not.toBe(socketKeyOf(provider(0, local, remote), 7));
  });

  it('should key a bound or listening socket by its local address, and leave an unbound one without a key', () => {
    expect(socketKeyOf(provider(0, { address: '::', port: 8080 }, undefined), 7)).toBe('0/local/[::]:8080');
    expect(socketKeyOf(provider(0, { address: '0.0.0.0', port: 0 }, undefined), 7)).toBeUndefined();
    expect(socketKeyOf(provider(0, undefined, undefined), 7)).toBeUndefined();
  });

  it('should treat an answer that is not a socket address as no answer', () => {
    expect(socketKeyOf(provider(0, 'garbage', remote), 7)).toBeUndefined();
    expect(socketKeyOf(provider(0, { address: '127.0.0.1', port: 1.5 }, remote), 7)).toBeUndefined();
  });
});
