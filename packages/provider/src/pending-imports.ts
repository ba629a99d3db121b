/**
 * The target's side of a hand-off: sockets pushed to this process by WSPDuplicateSocket elsewhere,
 * waiting for the WSPSocket(FROM_PROTOCOL_INFO) that claims them. Each holds a kernel descriptor;
 * one nobody claims is closed when it expires, so a lost protocol info never leaks a descriptor.
 */
import { armDeadline } from '@sanshare/internal';
import { WsaError, type ProtocolInfo } from '@sanshare/protocol-info';
import type { SocketAddresses } from '@sanshare/transport-uds';
import type { EmulatedOptions, SocketEssentials } from './export-codec.js';
import { DEFAULT_MAX_PENDING_BYTES } from './constants.js';
import { nativeAuthWords } from './native-auth.js';
import type { NoticeWriter } from './notice-writer.js';
import { randomExportId } from './random-pool.js';

/** One socket received from another provider and not yet claimed. */
export interface PendingImport {
  exportId: number;
  /** The received descriptor: owned by the pending import until claimed or expired. */
  fd: number;
  nonce: Uint8Array;
  socketCookie: bigint;
  /** `socketCookie` as text (a protocol info's `exportContext.socketCookie`), once made: `cookieTextOf`. */
  socketCookieText?: string;
  /** The exporting process, from `SO_PEERCRED` (not from the message: a peer cannot lie about it). */
  sourcePid: number;
  expiresAtMs: number;
  socket: SocketEssentials;
  options: EmulatedOptions;
  readAhead: Uint8Array;
  /** Sent with WSPDuplicateSocketWithMessage: the import is delivered, with this, by WSPReceiveDuplicate. */
  appMessage: Uint8Array | undefined;
  /**
   * The notices of the channel it came over: told when it is claimed or lapses, so that the source
   * knows whether to take the socket back. Undefined only for imports made without a channel (tests).
   */
  notices: NoticeWriter | undefined;
  /**
   * The socket's addresses as the arrival check read them (the same addon call), for its
   * access-control key once imported (`SocketEntry.addresses`); undefined when not read.
   */
  addresses?: SocketAddresses | undefined;
}

/** An import's socket cookie as a protocol info carries it (decimal text), made once per import: its delivery and its claim both need it. */
export function cookieTextOf(entry: PendingImport): string {
  return (entry.socketCookieText ??= entry.socketCookie.toString());
}

/**
 * Whether two nonces are equal, in time that depends on their length only (no early exit on the
 * first differing byte, so that how long a refusal takes says nothing of where a forged nonce goes
 * wrong). Written out: `crypto.timingSafeEqual` checks its arguments and crosses into C++ for 16 bytes,
 * on every import.
 */
function sameNonce(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

/** The bytes an import holds in memory until it is claimed: what `maxPendingBytes` counts. */
export function heldBytes(entry: { readAhead: Uint8Array; appMessage: Uint8Array | undefined }): number {
  return entry.readAhead.length + (entry.appMessage?.length ?? 0);
}

export interface PendingImportsOptions {
  /** At most this many unclaimed imports at once (the `WSAENOBUFS` cap). */
  maxPending: number;
  /** At most this many bytes (read-ahead plus application message) held by unclaimed imports at once (`WSAENOBUFS`). Default 256 MiB. */
  maxPendingBytes?: number;
  importTimeoutMs: number;
  /** Closes a descriptor (an expired import's, or every one at `closeAll`). */
  closeFd: (fd: number) => void;
  /** This process's pid: the only `targetPid` a protocol info may name here. */
  pid: number;
}

/** A refused import: what failed, why, and what to do, in the first line. */
const invalid = (why: string): WsaError =>
  new WsaError('WSAEINVAL', `WSPSocket: this protocol info cannot be imported here: ${why}; have the source duplicate the socket again for this process (a protocol info is good for one import, in one process, until it expires)`);

export class PendingImports {
  /** In insertion order, which is expiry order (every import gets now + importTimeoutMs). */
  readonly #byId = new Map<number, PendingImport>();
  /**
   * Export credits granted and not used yet (docs/provider.md "Export credits"): each holds a
   * pending slot, and an import naming one waits for it to arrive (its `Export` may still be in
   * the channel when the protocol info, carried by another IPC, gets here).
   */
  readonly #reserved = new Map<number, Array<() => void>>();
  readonly #options: PendingImportsOptions;
  /**
   * Imports sent with a message and not yet handed out by `nextDelivery`, oldest first. An import
   * leaves it when delivered, claimed or expired: a delivery lives exactly as long as its import.
   */
  readonly #undelivered = new Set<number>();
  /** Callers of `onDelivery` waiting for the next delivery. */
  readonly #deliveryWaiters = new Set<() => void>();
  /**
   * One timer for every pending import, armed for the oldest: no setTimeout/clearTimeout per
   * hand-off (they showed in the profile), and a claimed import costs nothing to forget.
   */
  #sweep: NodeJS.Timeout | undefined;
  /** Read-ahead and message bytes the pending imports hold (`maxPendingBytes` bounds it). */
  #bytes = 0;

  constructor(options: PendingImportsOptions) {
    this.#options = options;
  }

  /** Imports received and not claimed. */
  get size(): number {
    return this.#byId.size;
  }

  /** Slots taken: pending imports plus reserved credits (each will become one). */
  get held(): number {
    return this.#byId.size + this.#reserved.size;
  }


  /**
   * True when an import carrying `bytes` (read-ahead plus message) fits in `maxPendingBytes`. One
   * import always fits when none holds a byte, so that a single large read-ahead is never refused
   * forever.
   */
  hasByteRoom(bytes: number): boolean {
    return this.#bytes === 0 || this.#bytes + bytes <= (this.#options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES);
  }

  get isFull(): boolean {
    return this.held >= this.#options.maxPending;
  }

  /** True when `exportId` is pending or reserved: a new export may not use it. */
  has(exportId: number): boolean {
    return this.#byId.has(exportId) || this.#reserved.has(exportId);
  }

  isReserved(exportId: number): boolean {
    return this.#reserved.has(exportId);
  }

  /** The expiry a new import gets now. */
  nextExpiry(): number {
    return Date.now() + this.#options.importTimeoutMs;
  }

  get importTimeoutMs(): number {
    return this.#options.importTimeoutMs;
  }

  /** Reserves a fresh random export id (an export credit); the caller has checked the room for it. */
  reserve(): number {
    for (;;) {
      const id = randomExportId();
      if (this.has(id)) continue;
      this.#reserved.set(id, []);
      return id;
    }
  }

  /** Gives a credit back unused (its channel closed, or its export was refused): an import waiting for it fails. */
  unreserve(exportId: number): void {
    const waiters = this.#reserved.get(exportId);
    if (waiters === undefined) return;
    this.#reserved.delete(exportId);
    // A copy: each waiter removes itself from the list as it wakes.
    for (const wake of [...waiters]) wake();
  }

  /**
   * Resolves once a reserved `exportId` arrived or was given back, or after `timeoutMs`; at once
   * when it is not reserved. `find` says what the import then is.
   */
  arrival(exportId: number, timeoutMs: number): Promise<void> {
    const waiters = this.#reserved.get(exportId);
    if (waiters === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        disarm();
        const at = waiters.indexOf(done);
        if (at >= 0) waiters.splice(at, 1);
        resolve();
      };
      waiters.push(done);
      // The timeout does not fail the wait: it ends it, and `find` then says the import is not there.
      // unref: an import waiting for its export must not keep the process alive by itself.
      const disarm = armDeadline({ timeoutMs }, done, { unref: true });
    });
  }

  /**
   * Stores an import; the caller has checked `isFull` and `has` (the endpoint answers those itself), or
   * it uses a credit. `withheld`: not delivered (WSPReceiveDuplicate) until `deliver` says its reply
   * reached the source, so that an export whose source gave up on it is never handed to the application.
   */
  add(entry: PendingImport, withheld = false): void {
    this.#byId.set(entry.exportId, entry);
    this.#bytes += heldBytes(entry);
    this.unreserve(entry.exportId);
    if (this.#sweep === undefined) this.#arm(entry.expiresAtMs);
    if (entry.appMessage !== undefined && !withheld) {
      this.#undelivered.add(entry.exportId);
      this.#wakeDeliveryWaiters();
    }
  }

  /** The withheld imports `exportIds` (`add`) may be delivered now: their replies are in the kernel. */
  deliver(exportIds: readonly number[]): void {
    let any = false;
    for (const exportId of exportIds) {
      if (this.#byId.get(exportId)?.appMessage === undefined) continue;
      this.#undelivered.add(exportId);
      any = true;
    }
    if (any) this.#wakeDeliveryWaiters();
  }

  /**
   * Closes the imports `exportIds` that are still pending: their replies could not reach the source
   * (it closed the channel, having given up on them, or died), which keeps or takes back the sockets.
   */
  discard(exportIds: readonly number[]): void {
    for (const exportId of exportIds) this.#expire(exportId);
  }

  /**
   * The oldest import sent with a message and not delivered yet, now marked delivered (each is
   * handed out once); undefined when there is none. It stays pending until claimed or expired.
   */
  nextDelivery(): PendingImport | undefined {
    const now = Date.now();
    for (const exportId of this.#undelivered) {
      this.#undelivered.delete(exportId);
      const entry = this.#byId.get(exportId);
      // Expired but not swept yet: close it now rather than hand out an info that cannot be used.
      if (entry !== undefined && entry.expiresAtMs < now) this.#expire(exportId);
      else if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /**
   * Calls `wake` once, synchronously, when an import with a message is added or `closeAll` runs
   * (`nextDelivery` then says what there is). Returns the function that cancels the wait, so that
   * no waiter outlives its caller (an abort, a timeout).
   */
  onDelivery(wake: () => void): () => void {
    this.#deliveryWaiters.add(wake);
    return () => this.#deliveryWaiters.delete(wake);
  }

  #wakeDeliveryWaiters(): void {
    const waiters = [...this.#deliveryWaiters];
    this.#deliveryWaiters.clear();
    for (const wake of waiters) wake();
  }

  #arm(atMs: number): void {
    // unref: an unclaimed import must not keep the process alive.
    this.#sweep = setTimeout(() => this.#expireDue(), Math.max(0, atMs - Date.now())).unref();
  }

  /** Closes every import past its expiry (the oldest first), then waits for the next oldest. */
  #expireDue(): void {
    this.#sweep = undefined;
    const now = Date.now();
    for (const entry of this.#byId.values()) {
      if (entry.expiresAtMs > now) {
        this.#arm(entry.expiresAtMs);
        return;
      }
      this.#expire(entry.exportId);
    }
  }

  /** Closes an import that can no longer be claimed, and tells its source (which takes the socket back). */
  #expire(exportId: number): void {
    const entry = this.#byId.get(exportId);
    if (entry === undefined) return;
    this.#byId.delete(exportId);
    this.#bytes -= heldBytes(entry);
    this.#undelivered.delete(exportId);
    this.#options.closeFd(entry.fd);
    entry.notices?.lapse(exportId);
  }

  /**
   * Closes every import that came over the channel of `notices` (which this process is closing after
   * a fault): its source reads end-of-file and takes them all back, so none may be claimed here.
   */
  closeFrom(notices: NoticeWriter): void {
    for (const entry of [...this.#byId.values()]) if (entry.notices === notices) this.#expire(entry.exportId);
  }

  /**
   * Finds the import `info` names and checks every context field it carries; `WSAEINVAL` unless all
   * match (single use, this pid, not expired, same nonce, socket and source; from the native form,
   * which has no context, the first 8 nonce bytes in `dwServiceFlags3`/`dwServiceFlags4`). Does not
   * remove it: call `take` once the new descriptor exists, so a failure in between leaves the import
   * claimable, and a forged info never uses up the import it names.
   */
  find(info: ProtocolInfo): PendingImport {
    const exportId = info.exportContext?.exportId ?? info.dwProviderReserved;
    if (!Number.isInteger(exportId) || exportId <= 0 || exportId > 0xffffffff) throw invalid('no export id');
    const context = info.exportContext;
    if (context !== undefined) {
      if (context.exportId !== info.dwProviderReserved) throw invalid('dwProviderReserved and the export context disagree');
      if (context.targetPid !== this.#options.pid) {
        throw invalid(`it was duplicated for process ${context.targetPid}, this is ${this.#options.pid}`);
      }
    }
    const entry = this.#byId.get(exportId);
    // Unknown covers: already claimed (single use), expired and closed, forged, or meant for another process.
    if (entry === undefined) throw invalid(`no pending import ${exportId} (already used, expired, or not for this process)`);
    if (Date.now() > entry.expiresAtMs) {
      this.#expire(exportId);
      throw invalid(`import ${exportId} expired`);
    }
    if (context !== undefined) {
      if (!(context.nonce instanceof Uint8Array) || !sameNonce(context.nonce, entry.nonce)) throw invalid('wrong nonce');
      if (context.socketCookie !== cookieTextOf(entry)) throw invalid('wrong socket cookie');
      if (context.sourcePid !== entry.sourcePid) throw invalid('wrong source process');
    } else {
      // The native form: 64 random bits in the reserved words, besides the 32-bit export id.
      const [flags3, flags4] = nativeAuthWords(entry.nonce);
      if (((info.dwServiceFlags3 ^ flags3) | (info.dwServiceFlags4 ^ flags4)) !== 0) {
        throw invalid('dwServiceFlags3 and dwServiceFlags4 do not carry this import\'s nonce (a native-form info must keep them as WSPDuplicateSocket returned them)');
      }
    }
    return entry;
  }

  /** Removes a found import: the caller now owns its descriptor. */
  take(exportId: number): void {
    const entry = this.#byId.get(exportId);
    if (entry === undefined) return;
    this.#byId.delete(exportId);
    this.#bytes -= heldBytes(entry);
    // Claimed with a protocol info that came another way: nothing is left to deliver.
    this.#undelivered.delete(exportId);
  }

  /** Closes every pending descriptor and gives back every credit (WSPCleanup). */
  closeAll(): void {
    for (const [exportId] of this.#byId) this.#expire(exportId);
    for (const exportId of [...this.#reserved.keys()]) this.unreserve(exportId);
    if (this.#sweep !== undefined) clearTimeout(this.#sweep);
    this.#sweep = undefined;
    // Waiting receivers wake to find nothing, and their provider says why (WSPCleanup).
    this.#wakeDeliveryWaiters();
  }
}
