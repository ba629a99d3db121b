/**
 * The options of `WSPStartup` (its fourth argument), with their defaults.
 */
import { WsaError } from '@sanshare/protocol-info';
import {
  DEFAULT_HANDOFF_TIMEOUT_MS,
  DEFAULT_IMPORT_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_PENDING_EXPORTS,
  DEFAULT_MAX_SOCKETS,
  EXPORT_CREDIT_WINDOW,
  MAX_EXPORT_CREDITS,
} from './constants.js';
import { defaultRuntimeDir } from './runtime-dir.js';

export interface ProviderOptions {
  /**
   * Directory of the hand-off endpoints, shared by every provider that hands sockets to another.
   * Default `$XDG_RUNTIME_DIR/sanshare`, else `<os.tmpdir()>/sanshare-<uid>`; created with mode 0700
   * and refused (`WSAEACCES`) if others can enter it.
   */
  runtimeDir?: string;
  /** Descriptors this provider hands out (open sockets plus unclaimed imports); then `WSAEMFILE`. Default 65,536. */
  maxSockets?: number;
  /** Unclaimed imports this process holds; past it, a duplication into it fails with `WSAENOBUFS`. Default 16,384. */
  maxPendingExports?: number;
  /**
   * Bytes (read-ahead plus application messages) this process's unclaimed imports hold at once; a
   * duplication into it that would go past it fails with `WSAENOBUFS` (one import is always taken when
   * none holds a byte). Default 268,435,456 (256 MiB).
   */
  maxPendingBytes?: number;
  /** How long an unclaimed import lives before its descriptor is closed, in ms. Default 30,000. */
  importTimeoutMs?: number;
  /** How long WSPDuplicateSocket waits for the target's endpoint, in ms. Default 10,000. */
  handoffTimeoutMs?: number;
  /**
   * Export credits this process grants each source channel (docs/provider.md "Export credits"):
   * that many hand-offs into it may be sent without waiting for its reply. Default 8; 0 makes
   * every hand-off into this process wait for its reply, so that even running out of file
   * descriptors (RLIMIT_NOFILE) after a grant is reported by the source's WSPDuplicateSocket.
   */
  exportCredits?: number;
}

export type ResolvedProviderOptions = Required<ProviderOptions>;

function positiveInt(options: Record<string, unknown>, name: keyof ProviderOptions, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw new WsaError('WSAEINVAL', `WSPStartup option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function credits(value: unknown): number {
  if (value === undefined) return EXPORT_CREDIT_WINDOW;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_EXPORT_CREDITS) {
    throw new WsaError('WSAEINVAL', `WSPStartup option exportCredits must be an integer from 0 to ${MAX_EXPORT_CREDITS}, got ${String(value)}`);
  }
  return value;
}

/** Validates the untyped options a switch passes; `WSAEINVAL` for a wrong type or range. */
export function resolveProviderOptions(options: Record<string, unknown> = {}): ResolvedProviderOptions {
  const runtimeDir = options['runtimeDir'];
  if (runtimeDir !== undefined && (typeof runtimeDir !== 'string' || runtimeDir === '')) {
    throw new WsaError('WSAEINVAL', 'WSPStartup option runtimeDir must be a non-empty string');
  }
  return {
    runtimeDir: runtimeDir ?? defaultRuntimeDir(),
    maxSockets: positiveInt(options, 'maxSockets', DEFAULT_MAX_SOCKETS),
    maxPendingExports: positiveInt(options, 'maxPendingExports', DEFAULT_MAX_PENDING_EXPORTS),
    maxPendingBytes: positiveInt(options, 'maxPendingBytes', DEFAULT_MAX_PENDING_BYTES),
    importTimeoutMs: positiveInt(options, 'importTimeoutMs', DEFAULT_IMPORT_TIMEOUT_MS),
    handoffTimeoutMs: positiveInt(options, 'handoffTimeoutMs', DEFAULT_HANDOFF_TIMEOUT_MS),
    exportCredits: credits(options['exportCredits']),
  };
}
