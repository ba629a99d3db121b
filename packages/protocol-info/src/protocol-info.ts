/**
 * The TypeScript model of Win32 `WSAPROTOCOL_INFOW` (field order and sizes: REFERENCE.md §1),
 * plus the hand-off context that sanshare's providers carry with a duplicated socket.
 */

/** `GUID`: `Data1` u32, `Data2` u16, `Data3` u16, `Data4` 8 bytes; written as canonical text. */
export type Guid = string;

/** `WSAPROTOCOLCHAIN`: `ChainLen` (0 layered, 1 base, >1 chain) and up to 7 catalog entry ids. */
export interface ProtocolChain {
  /** int32. `LAYERED_PROTOCOL` (0), `BASE_PROTOCOL` (1), or the length of a chain (2..7). */
  chainLen: number;
  /** uint32 catalog entry ids; at most `MAX_PROTOCOL_CHAIN` (7). */
  chainEntries: number[];
}

/**
 * What a sanshare provider needs to find a pending import in the destination process. It rides in
 * the protobuf form's own typed fields; in the native 628-byte form only `dwProviderReserved` carries
 * the export id (see docs/protocol-info.md).
 */
export interface HandoffContext {
  /** Export id, unique on this machine and valid only for `targetPid` (uint32, non-zero). */
  exportId: number;
  /** Pid of the process that duplicated the socket (uint32). */
  sourcePid: number;
  /** Pid of the only process that may import it: WSPDuplicateSocket's `dwProcessId` (uint32). */
  targetPid: number;
  /** Kernel identity of the socket (`SO_COOKIE`), as a decimal string of a uint64. */
  socketCookie: string;
  /** Random secret (16 bytes) that the import must present: forged or guessed infos fail. */
  nonce: Uint8Array;
  /** Milliseconds since the Unix epoch after which the pending import is closed unclaimed (uint64). */
  expiresAtMs: number;
}

/** `WSAPROTOCOL_INFOW`, every field, by its Win32 name. */
export interface ProtocolInfo {
  dwServiceFlags1: number;
  dwServiceFlags2: number;
  dwServiceFlags3: number;
  dwServiceFlags4: number;
  dwProviderFlags: number;
  ProviderId: Guid;
  dwCatalogEntryId: number;
  ProtocolChain: ProtocolChain;
  iVersion: number;
  iAddressFamily: number;
  iMaxSockAddr: number;
  iMinSockAddr: number;
  iSocketType: number;
  iProtocol: number;
  iProtocolMaxOffset: number;
  iNetworkByteOrder: number;
  iSecurityScheme: number;
  dwMessageSize: number;
  /** For the provider's own use: sanshare stores the export id of a duplicated socket here. */
  dwProviderReserved: number;
  /** Up to `WSAPROTOCOL_LEN` (255) UTF-16 code units, no unpaired surrogates. */
  szProtocol: string;
  /** Present on a protocol info returned by WSPDuplicateSocket; only the protobuf form carries it whole. */
  handoff?: HandoffContext;
}
