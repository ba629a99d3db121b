/**
 * The TypeScript model of Win32 `WSAPROTOCOL_INFOW` (field order and sizes: REFERENCE.md §1),
 * plus the export context that sanshare's providers carry with a duplicated socket.
 */

/** `GUID`: `Data1` u32, `Data2` u16, `Data3` u16, `Data4` 8 bytes; written as canonical text. */
export type Guid = string;

/** `WSAPROTOCOLCHAIN`: `ChainLen` (0 layered, 1 base, >1 chain) and up to 7 catalog entry ids. */
export interface ProtocolChain {
  /** int32. `LAYERED_PROTOCOL` (0), `BASE_PROTOCOL` (1), or the length of a chain (2..7). */
  chainLen: number;
  /**
   * uint32 catalog entry ids; at most `MAX_PROTOCOL_CHAIN` (7), no trailing 0 (the native form's
   * padding); with `chainLen` >= 2, exactly `chainLen` non-zero ids.
   */
  chainEntries: number[];
}

/**
 * What a sanshare provider needs to find a pending import in the destination process. It rides in
 * the protobuf form's own typed fields; in the native 628-byte form only `dwProviderReserved` carries
 * the export id (see docs/protocol-info.md).
 */
export interface ExportContext {
  /** Export id, unique on this machine and valid only for `targetPid` (uint32, non-zero); equals `dwProviderReserved`. */
  exportId: number;
  /** Pid of the process that duplicated the socket (uint32). */
  sourcePid: number;
  /** Pid of the only process that may import it: WSPDuplicateSocket's `dwProcessId` (uint32). */
  targetPid: number;
  /** Kernel identity of the socket (`SO_COOKIE`): a uint64 in canonical decimal (digits, no leading zero). */
  socketCookie: string;
  /** Random secret (16 bytes) that the import must present: forged or guessed infos fail. */
  nonce: Uint8Array;
  /** Milliseconds since the Unix epoch after which the pending import is closed unclaimed (0..2^53-1). */
  expiresAtMs: number;
}

/**
 * `WSAPROTOCOL_INFOW`, every field, by its Win32 name. Each comment gives the type, the byte offset in
 * the native 628-byte layout and the protobuf field number; the rules every codec enforces are
 * `validateProtocolInfo`'s (docs/protocol-info.md has the whole format).
 */
export interface ProtocolInfo {
  /** uint32 @0, proto 1. `XP1_*` bits: what the protocol guarantees (`XP1.GUARANTEED_ORDER`...). */
  dwServiceFlags1: number;
  /** uint32 @4, proto 2. Reserved for more service flags. */
  dwServiceFlags2: number;
  /**
   * uint32 @8, proto 3. Reserved: a provider's own context on a duplicated socket's info (Wine and
   * ReactOS keep duplicated handles here). sanshare's provider: nonce bytes 0-3, little-endian, so
   * that the native form authenticates an import with 64 random bits besides the export id.
   */
  dwServiceFlags3: number;
  /** uint32 @12, proto 4. Reserved, as `dwServiceFlags3` (sanshare's provider: nonce bytes 4-7). */
  dwServiceFlags4: number;
  /** uint32 @16, proto 5. `PFL_*` bits. */
  dwProviderFlags: number;
  /** GUID @20 (16 bytes, Data1..3 little-endian), proto 6 as canonical lowercase text. */
  ProviderId: Guid;
  /** uint32 @36, proto 7. Assigned by the catalog (the switch). */
  dwCatalogEntryId: number;
  /** @40 (ChainLen int32, then 7 uint32 ChainEntries), proto 8. */
  ProtocolChain: ProtocolChain;
  /** int32 @72, proto 9. Protocol version. */
  iVersion: number;
  /** int32 @76, proto 10 (enum): 0, `AF.INET` 2 or `AF.INET6` 23. */
  iAddressFamily: number;
  /** int32 @80, proto 11. Largest socket address length, in bytes. */
  iMaxSockAddr: number;
  /** int32 @84, proto 12. Smallest socket address length, in bytes. */
  iMinSockAddr: number;
  /** int32 @88, proto 13 (enum): 0 or `SOCK.STREAM` 1 .. `SOCK.SEQPACKET` 5. */
  iSocketType: number;
  /** int32 @92, proto 14. `IPPROTO_*`. */
  iProtocol: number;
  /** int32 @96, proto 15. */
  iProtocolMaxOffset: number;
  /** int32 @100, proto 16 (enum): `NETWORK_BYTE_ORDER.BIGENDIAN` 0 or `LITTLEENDIAN` 1. */
  iNetworkByteOrder: number;
  /** int32 @104, proto 17. `SECURITY_PROTOCOL_NONE` (0) for sanshare. */
  iSecurityScheme: number;
  /** uint32 @108, proto 18. Largest message size; 0 for a stream protocol. */
  dwMessageSize: number;
  /** uint32 @112, proto 19. For the provider's own use: sanshare stores the export id of a duplicated socket here. */
  dwProviderReserved: number;
  /** WCHAR[256] @116, proto 20 (UTF-8). Up to `WSAPROTOCOL_LEN` (255) UTF-16 code units, no NUL, no unpaired surrogate. */
  szProtocol: string;
  /** Present on a protocol info returned by WSPDuplicateSocket; only the protobuf form carries it (proto 21). */
  exportContext?: ExportContext;
}
