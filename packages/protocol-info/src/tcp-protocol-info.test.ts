import { describe, expect, it } from 'vitest';
import { AF, PFL, XP1 } from './constants.js';
import { fromNativeLayout } from './from-native-layout.js';
import { tcpProtocolInfo } from './tcp-protocol-info.js';
import { toNativeLayout } from './to-native-layout.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

const providerId = '5a4e5348-0000-4000-8000-000000000001';

describe('tcpProtocolInfo', () => {
  it('should describe TCP over IPv4 and IPv6 as a valid base protocol entry', () => {
    const v4 = tcpProtocolInfo({ providerId, szProtocol: 'test TCP/IP', catalogEntryId: 1001 });
    const v6 = tcpProtocolInfo({ providerId, szProtocol: 'test TCP/IPv6', addressFamily: 'inet6', providerFlags: PFL.MATCHES_PROTOCOL_ZERO });
    for (const info of [v4, v6]) {
      expect(() => validateProtocolInfo(info)).not.toThrow();
      expect(fromNativeLayout(toNativeLayout(info))).toEqual(info);
      expect(info.dwServiceFlags1 & XP1.IFS_HANDLES).toBe(0);
      expect(info.ProtocolChain).toEqual({ chainLen: 1, chainEntries: [] });
    }
    expect([v4.iAddressFamily, v4.iMaxSockAddr, v4.dwCatalogEntryId, v4.dwProviderFlags]).toEqual([AF.INET, 16, 1001, 0]);
    expect([v6.iAddressFamily, v6.iMinSockAddr, v6.dwCatalogEntryId, v6.dwProviderFlags]).toEqual([AF.INET6, 28, 0, PFL.MATCHES_PROTOCOL_ZERO]);
  });

  it('should return a fresh object each time', () => {
    const a = tcpProtocolInfo({ providerId, szProtocol: 'x' });
    a.ProtocolChain.chainEntries.push(1);
    expect(tcpProtocolInfo({ providerId, szProtocol: 'x' }).ProtocolChain.chainEntries).toEqual([]);
  });
});
