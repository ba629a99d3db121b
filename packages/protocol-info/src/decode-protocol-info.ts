import { MAX_PROTOCOL_INFO_BYTES } from './constants.js';
import { checkWire } from './check-wire.js';
import { WsaError } from './errors.js';
import { sanshare } from './gen/protocol-info.js';
import type { HandoffContext, ProtocolInfo } from './protocol-info.js';
import { validateProtocolInfo } from './validate-protocol-info.js';

/** protobufjs hands a uint64 back as a `Long` (or a number when long.js is missing). */
type Uint64 = number | { low: number; high: number };

function uint64ToDecimal(value: Uint64): string {
  if (typeof value === 'number') return String(value);
  return ((BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0)).toString();
}

function uint64ToNumber(value: Uint64): number {
  // checkWire has already rejected values over 2^53 - 1, so this is exact.
  return typeof value === 'number' ? value : (value.high >>> 0) * 0x1_0000_0000 + (value.low >>> 0);
}

/**
 * Decodes a `sanshare.v1.ProtocolInfo` protobuf message. A strict pass over the bytes runs first (wire
 * types, varint ranges, UTF-8, no repeated singular fields, at most `MAX_PROTOCOL_INFO_BYTES`), then
 * the code protobufjs generated decodes, then `validateProtocolInfo` checks the result.
 *
 * @throws WsaError `WSAEINVAL` when `bytes` is not a `Uint8Array`, is too large, is truncated or
 * malformed, or carries a value the model cannot hold exactly; the message names the field.
 */
export function decodeProtocolInfo(bytes: Uint8Array): ProtocolInfo {
  if (!(bytes instanceof Uint8Array)) {
    throw new WsaError('WSAEINVAL', `decodeProtocolInfo: bytes must be a Uint8Array, got a ${typeof bytes}`);
  }
  if (bytes.length > MAX_PROTOCOL_INFO_BYTES) {
    throw new WsaError('WSAEINVAL', `decodeProtocolInfo: message is ${bytes.length} bytes, at most ${MAX_PROTOCOL_INFO_BYTES} are accepted`);
  }
  checkWire(bytes);
  let message: sanshare.v1.ProtocolInfo;
  try {
    message = sanshare.v1.ProtocolInfo.decode(bytes);
  } catch (cause) {
    // Not expected after checkWire; kept so that no protobufjs error escapes untyped.
    throw new WsaError('WSAEINVAL', `decodeProtocolInfo: protobufjs rejected the message (${String(cause)})`, { cause });
  }
  const chain = message.protocolChain;
  const info: ProtocolInfo = {
    dwServiceFlags1: message.serviceFlags1,
    dwServiceFlags2: message.serviceFlags2,
    dwServiceFlags3: message.serviceFlags3,
    dwServiceFlags4: message.serviceFlags4,
    dwProviderFlags: message.providerFlags,
    ProviderId: message.providerId,
    dwCatalogEntryId: message.catalogEntryId,
    ProtocolChain: chain ? { chainLen: chain.chainLen ?? 0, chainEntries: chain.chainEntries ? chain.chainEntries.slice() : [] } : { chainLen: 0, chainEntries: [] },
    iVersion: message.version,
    iAddressFamily: message.addressFamily,
    iMaxSockAddr: message.maxSockAddr,
    iMinSockAddr: message.minSockAddr,
    iSocketType: message.socketType,
    iProtocol: message.protocol,
    iProtocolMaxOffset: message.protocolMaxOffset,
    iNetworkByteOrder: message.networkByteOrder,
    iSecurityScheme: message.securityScheme,
    dwMessageSize: message.messageSize,
    dwProviderReserved: message.providerReserved,
    szProtocol: message.szProtocol,
  };
  const h = message.handoff;
  if (h) {
    const handoff: HandoffContext = {
      exportId: h.exportId ?? 0,
      sourcePid: h.sourcePid ?? 0,
      targetPid: h.targetPid ?? 0,
      socketCookie: uint64ToDecimal((h.socketCookie ?? 0) as Uint64),
      // A copy: protobufjs returns a view into `bytes`, which the caller may reuse.
      nonce: h.nonce ? new Uint8Array(h.nonce) : new Uint8Array(0),
      expiresAtMs: uint64ToNumber((h.expiresAtMs ?? 0) as Uint64),
    };
    info.handoff = handoff;
  }
  validateProtocolInfo(info, 'decodeProtocolInfo');
  return info;
}
