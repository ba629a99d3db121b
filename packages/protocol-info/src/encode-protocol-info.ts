import { sanshare } from './gen/protocol-info.js';
import type { ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/**
 * Splits a canonical decimal uint64 (already validated) into its low and high 32 bits, digit by digit:
 * each step stays below 2^36, exact in a double, and it avoids BigInt, which costs more than the rest
 * of the encoding.
 */
function decimalToBits(text: string): { low: number; high: number; unsigned: true } {
  let low = 0;
  let high = 0;
  for (let i = 0; i < text.length; i++) {
    const next = low * 10 + (text.charCodeAt(i) - 0x30);
    low = next % 0x1_0000_0000;
    high = high * 10 + Math.floor(next / 0x1_0000_0000);
  }
  // protobufjs reads { low, high } as signed 32-bit halves, as Long stores them.
  return { low: low | 0, high: high | 0, unsigned: true };
}

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
    handoffMessage = {
      exportId: handoff.exportId,
      sourcePid: handoff.sourcePid,
      targetPid: handoff.targetPid,
      // protobufjs writes a uint64 from any { low, high } pair (a Long or LongBits), exactly.
      socketCookie: decimalToBits(handoff.socketCookie),
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
  const writer = takeWriter();
  const bytes = sanshare.v1.ProtocolInfo.encode(message, writer).finish();
  spareWriter = writer.reset();
  return bytes;
}

type Writer = ReturnType<typeof sanshare.v1.ProtocolInfo.encode>;

/**
 * One protobufjs writer, reused: once its buffer has grown to fit a protocol info, later calls neither
 * allocate nor grow it (finish() copies the bytes out, reset() rewinds). Taken out while in use, so
 * that a throw mid-encode leaves no half-written writer behind for the next call.
 */
let spareWriter: Writer | undefined;

function takeWriter(): Writer {
  // Encoding an empty message is how the generated code hands out a fresh, empty writer.
  const writer = spareWriter ?? sanshare.v1.ProtocolInfo.encode({});
  spareWriter = undefined;
  return writer;
}
