/**
 * The reference encoder: protobufjs's generated code (src/gen/, `pnpm generate`) fed the model, as
 * encodeProtocolInfo ran before the hand-written encoder replaced it. Tests compare the two byte for byte.
 */
import { sanshare } from '../src/gen/protocol-info.js';
import type { ProtocolInfo } from '../src/index.js';

/** The socket cookie's decimal text as the { low, high } pair protobufjs writes a uint64 from. */
function decimalToBits(text: string): { low: number; high: number; unsigned: true } {
  const value = BigInt(text);
  return { low: Number(value & 0xffff_ffffn) | 0, high: Number(value >> 32n) | 0, unsigned: true };
}

/** `info` encoded by protobufjs's generated encoder (no validation: give it valid infos). */
export function referenceEncode(info: ProtocolInfo): Uint8Array {
  const chain = info.ProtocolChain;
  const h = info.exportContext;
  return sanshare.v1.ProtocolInfo.encode({
    serviceFlags1: info.dwServiceFlags1,
    serviceFlags2: info.dwServiceFlags2,
    serviceFlags3: info.dwServiceFlags3,
    serviceFlags4: info.dwServiceFlags4,
    providerFlags: info.dwProviderFlags,
    providerId: info.ProviderId,
    catalogEntryId: info.dwCatalogEntryId,
    // An absent chain decodes as { chainLen: 0, chainEntries: [] }: omitted in that case.
    protocolChain: chain.chainLen === 0 && chain.chainEntries.length === 0 ? null : { chainLen: chain.chainLen, chainEntries: chain.chainEntries },
    version: info.iVersion,
    addressFamily: info.iAddressFamily,
    maxSockAddr: info.iMaxSockAddr,
    minSockAddr: info.iMinSockAddr,
    socketType: info.iSocketType,
    protocol: info.iProtocol,
    protocolMaxOffset: info.iProtocolMaxOffset,
    networkByteOrder: info.iNetworkByteOrder,
    securityScheme: info.iSecurityScheme,
    messageSize: info.dwMessageSize,
    providerReserved: info.dwProviderReserved,
    szProtocol: info.szProtocol,
    exportContext:
      h === undefined
        ? null
        : {
            exportId: h.exportId,
            sourcePid: h.sourcePid,
            targetPid: h.targetPid,
            socketCookie: decimalToBits(h.socketCookie),
            nonce: h.nonce,
            expiresAtMs: h.expiresAtMs,
          },
  }).finish();
}
