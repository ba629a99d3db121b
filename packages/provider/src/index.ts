/**
 * The sanshare SAN service provider: real TCP sockets behind the Winsock SPI procedure table, and
 * `WSPDuplicateSocket`, which hands a live kernel socket to another process (SCM_RIGHTS) so that
 * both hold descriptors for one connection. A switch loads this module and calls `WSPStartup`.
 *
 * @example
 * ```ts
 * import { WSPStartup } from '@sanshare/provider';
 * import { AF, SOCK, IPPROTO, WINSOCK_VERSION_2_2 } from '@sanshare/protocol-info';
 *
 * const { procTable: p } = await WSPStartup(WINSOCK_VERSION_2_2, catalogEntry, switchUpcalls);
 * const s = await p.WSPSocket(AF.INET, SOCK.STREAM, IPPROTO.TCP, null, 0, 0);
 * await p.WSPConnect(s, { address: '127.0.0.1', port: 8080 });
 * const info = await p.WSPDuplicateSocket(s, targetPid); // send `info` to the target by any IPC
 * // in the target: const t = await p.WSPSocket(-1, -1, -1, info, 0, 0);
 * ```
 *
 * @packageDocumentation
 */
export { WSPStartup } from './wsp-startup.js';
export type { ProviderOptions } from './provider-options.js';
export {
  DEFAULT_MAX_SOCKETS,
  DEFAULT_MAX_PENDING_EXPORTS,
  DEFAULT_IMPORT_TIMEOUT_MS,
  DEFAULT_HANDOFF_TIMEOUT_MS,
  MAX_READ_AHEAD_BYTES,
} from './constants.js';
export { defaultRuntimeDir } from './runtime-dir.js';
