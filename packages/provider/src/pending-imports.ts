/**
 * The target's side of a hand-off: sockets pushed to this process by WSPDuplicateSocket elsewhere,
 * waiting for the WSPSocket(FROM_PROTOCOL_INFO) that claims them. Each holds a kernel descriptor;
 * one nobody claims is closed when it expires, so a lost protocol info never leaks a descriptor.
 */
import { timingSafeEqual } from 'node:crypto';
import { WsaError, type ProtocolInfo } from '@sanshare/protocol-info';
import type { EmulatedOptions, SocketEssentials } from './handoff-codec.js';

/** One socket received from another provider and not yet claimed. */
export interface PendingImport {
  exportId: number;
  /** The received descriptor: owned by the pending import until claimed or expired. */
  fd: number;
  nonce: Uint8Array;
  socketCookie: bigint;
  /** The exporting process, from `SO_PEERCRED` (not from the message: a peer cannot lie about it). */
  sourcePid: number;
  expiresAtMs: number;
  socket: SocketEssentials;
  options: EmulatedOptions;
  readAhead: Uint8Array;
}

export interface PendingImportsOptions {
  /** At most this many unclaimed imports at once (the `WSAENOBUFS` cap). */
  maxPending: number;
  importTimeoutMs: number;
  /** Closes a descriptor (an expired import's, or every one at `closeAll`). */
  closeFd: (fd: number) => void;
  /** This process's pid: the only `targetPid` a protocol info may name here. */
  pid: number;
}

const invalid = (why: string): WsaError => new WsaError('WSAEINVAL', `this protocol info cannot be imported here: ${why}`);

export class PendingImports {
  readonly #byId = new Map<number, { entry: PendingImport; timer: NodeJS.Timeout }>();
  readonly #options: PendingImportsOptions;

  constructor(options: PendingImportsOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#byId.size;
  }

  get isFull(): boolean {
    return this.#byId.size >= this.#options.maxPending;
  }

  has(exportId: number): boolean {
    return this.#byId.has(exportId);
  }

  /** The expiry a new import gets now. */
  nextExpiry(): number {
    return Date.now() + this.#options.importTimeoutMs;
  }

  /** Stores an import; the caller has checked `isFull` and `has` (the endpoint answers those itself). */
  add(entry: PendingImport): void {
    const delay = Math.max(0, entry.expiresAtMs - Date.now());
    // unref: an unclaimed import must not keep the process alive.
    const timer = setTimeout(() => this.#expire(entry.exportId), delay).unref();
    this.#byId.set(entry.exportId, { entry, timer });
  }

  #expire(exportId: number): void {
    const slot = this.#byId.get(exportId);
    if (slot === undefined) return;
    this.#byId.delete(exportId);
    this.#options.closeFd(slot.entry.fd);
  }

  /**
   * Finds the import `info` names and checks every context field it carries; `WSAEINVAL` unless all
   * match (single use, this pid, not expired, same nonce, socket and source). Does not remove it:
   * call `take` once the new descriptor exists, so a failure in between leaves the import claimable.
   */
  find(info: ProtocolInfo): PendingImport {
    const exportId = info.handoff?.exportId ?? info.dwProviderReserved;
    if (!Number.isInteger(exportId) || exportId <= 0 || exportId > 0xffffffff) throw invalid('no export id');
    const handoff = info.handoff;
    if (handoff !== undefined) {
      if (handoff.exportId !== info.dwProviderReserved) throw invalid('dwProviderReserved and the hand-off context disagree');
      if (handoff.targetPid !== this.#options.pid) {
        throw invalid(`it was duplicated for process ${handoff.targetPid}, this is ${this.#options.pid}`);
      }
    }
    const slot = this.#byId.get(exportId);
    // Unknown covers: already claimed (single use), expired and closed, forged, or meant for another process.
    if (slot === undefined) throw invalid(`no pending import ${exportId} (already used, expired, or not for this process)`);
    const { entry } = slot;
    if (Date.now() > entry.expiresAtMs) {
      this.#expire(exportId);
      throw invalid(`import ${exportId} expired`);
    }
    if (handoff !== undefined) {
      const nonceOk = handoff.nonce.length === entry.nonce.length && timingSafeEqual(handoff.nonce, entry.nonce);
      if (!nonceOk) throw invalid('wrong nonce');
      if (handoff.socketCookie !== entry.socketCookie.toString()) throw invalid('wrong socket cookie');
      if (handoff.sourcePid !== entry.sourcePid) throw invalid('wrong source process');
    }
    return entry;
  }

  /** Removes a found import: the caller now owns its descriptor. */
  take(exportId: number): void {
    const slot = this.#byId.get(exportId);
    if (slot === undefined) return;
    clearTimeout(slot.timer);
    this.#byId.delete(exportId);
  }

  /** Closes every pending descriptor (WSPCleanup). */
  closeAll(): void {
    for (const [exportId] of this.#byId) this.#expire(exportId);
  }
}
