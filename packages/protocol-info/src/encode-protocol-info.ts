import { sanshare } from './gen/protocol-info.js';
import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

const UINT32_MASK = 0xffff_ffffn;

/**
 * Encodes `info` as a `sanshare.v1.ProtocolInfo` protobuf message (proto/sanshare/v1/protocol_info.proto),
 * hand-off context included, with the code protobufjs generated from that file.
 *
 * @throws WsaError `WSAEINVAL` when `info` breaks a rule of `validateProtocolInfo`.
 */
export function encodeProtocolInfo(info: ProtocolInfo): Uint8Array {
  validateProtocolInfo(info, 'encodeProtocolInfo');
  const chain = info.ProtocolChain;
  const handoff = info.handoff;
  let handoffMessage: sanshare.v1.HandoffContext.$Properties | undefined;
  if (handoff !== undefined) {
    const cookie = BigInt(handoff.socketCookie);
    handoffMessage = {
      exportId: handoff.exportId,
      sourcePid: handoff.sourcePid,
      targetPid: handoff.targetPid,
      // protobufjs writes a uint64 from any { low, high } pair (a Long or LongBits), exactly.
      socketCookie: { low: Number(cookie & UINT32_MASK) | 0, high: Number(cookie >> 32n) | 0, unsigned: true } as never,
      nonce: handoff.nonce,
      expiresAtMs: handoff.expiresAtMs,
    };
  }
  const message: sanshare.v1.ProtocolInfo.$Properties = {
    serviceFlags1: info.dwServiceFlags1,
    serviceFlags2: info.dwServiceFlags2,
    serviceFlags3: info.dwServiceFlags3,
    serviceFlags4: info.dwServiceFlags4,
    providerFlags: info.dwProviderFlags,
    providerId: info.ProviderId,
    catalogEntryId: info.dwCatalogEntryId,
    // An absent chain decodes as { chainLen: 0, chainEntries: [] }: omit it in that case.
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
    handoff: handoffMessage ?? null,
  };
  return sanshare.v1.ProtocolInfo.encode(message).finish();
}
