/**
 * The options of `WSPStartup` (its fourth argument), with their defaults.
 */
import { WsaError } from '@sanshare/protocol-info';
import {
  DEFAULT_HANDOFF_TIMEOUT_MS,
  DEFAULT_IMPORT_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_EXPORTS,
  DEFAULT_MAX_SOCKETS,
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
  /** Unclaimed imports this process holds; past it, a duplication into it fails with `WSAENOBUFS`. Default 1,024. */
  maxPendingExports?: number;
  /** How long an unclaimed import lives before its descriptor is closed, in ms. Default 30,000. */
  importTimeoutMs?: number;
  /** How long WSPDuplicateSocket waits for the target's endpoint, in ms. Default 10,000. */
  handoffTimeoutMs?: number;
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
    importTimeoutMs: positiveInt(options, 'importTimeoutMs', DEFAULT_IMPORT_TIMEOUT_MS),
    handoffTimeoutMs: positiveInt(options, 'handoffTimeoutMs', DEFAULT_HANDOFF_TIMEOUT_MS),
  };
}
