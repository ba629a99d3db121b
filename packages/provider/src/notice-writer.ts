/**
 * The target's `ExportNotice`s on one channel (docs/provider.md section 10): which exports that came
 * over it were imported (claimed) and which never will be (lapsed), so that the source gives a
 * lapsed socket back to the descriptor it duplicated it from, and knows a claimed one is gone.
 *
 * A claim must be in the kernel before the import that made it returns: a target killed after it used
 * an imported socket, with the claim still queued, would make the source read end-of-file, take the
 * export for lapsed and read the socket again with its old read-ahead first: bytes the target already
 * consumed, repeated. So `claim` resolves once `sendmsg` took the notice. The claims (and lapses) of
 * one turn of the microtask queue, and those made while a notice is being written, go out together in
 * one notice: one `sendmsg` for a burst of imports, and never a timer.
 */
import type { UdsConnection } from '@sanshare/transport-uds';
import { MAX_NOTICE_IDS } from './constants.js';
import { encodeTargetNotice } from './export-codec.js';

/** One `claim` or `claimAll`: its ids, and its caller waiting for them to be written. */
interface Claim {
  readonly exportIds: readonly number[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** What is gathered for the next flush. */
interface Batch {
  claims: Claim[];
  lapsed: number[];
}

/** One notice to write, and the claims whose ids end in it: they are settled once it is written. */
interface Notice {
  claimed: number[];
  lapsed: number[];
  settles: Claim[];
}

const emptyBatch = (): Batch => ({ claims: [], lapsed: [] });
const emptyNotice = (): Notice => ({ claimed: [], lapsed: [], settles: [] });

/**
 * A batch as notices of at most MAX_NOTICE_IDS ids of each kind. A claim does not straddle two notices
 * (unless it alone holds more than one takes): should a later notice fail, every claim of a notice
 * that was written succeeds, since its source already let those sockets go.
 */
function noticesOf(batch: Batch): Notice[] {
  const notices: Notice[] = [];
  let current = emptyNotice();
  for (const claim of batch.claims) {
    if (current.claimed.length > 0 && current.claimed.length + claim.exportIds.length > MAX_NOTICE_IDS) {
      notices.push(current);
      current = emptyNotice();
    }
    for (const exportId of claim.exportIds) {
      if (current.claimed.length === MAX_NOTICE_IDS) {
        notices.push(current);
        current = emptyNotice();
      }
      current.claimed.push(exportId);
    }
    current.settles.push(claim);
  }
  notices.push(current);
  for (let at = 0, n = 0; at < batch.lapsed.length; at += MAX_NOTICE_IDS, n++) {
    if (n === notices.length) notices.push(emptyNotice());
    (notices[n] as Notice).lapsed = batch.lapsed.slice(at, at + MAX_NOTICE_IDS);
  }
  return notices;
}

/** Thrown into a claim when its notice could not be written to a source that is still there. */
export class NoticeFailure extends Error {}

/** Send failures that mean the source closed its end (or died): nobody is left to tell. */
function peerGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UDS_PEER_CLOSED' || code === 'UDS_PEER_DIED';
}

export class NoticeWriter {
  readonly #connection: UdsConnection;
  readonly #timeoutMs: number;
  /** Called once when a notice cannot be written to a source that is still there: the channel must end. */
  readonly #onFault: (error: Error) => void;
  #batch: Batch = emptyBatch();
  #scheduled = false;
  #sending = false;
  /** `peer`: the source closed or died (claims succeed, nothing is sent). `fault`: this end gave up (claims fail). */
  #ended: 'peer' | 'fault' | undefined;

  constructor(connection: UdsConnection, timeoutMs: number, onFault: (error: Error) => void) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    this.#onFault = onFault;
  }

  /** True once nothing more can be told on this channel. */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /**
   * Tells the source that `exportId` was imported; resolves once the notice is in the kernel (or at
   * once when the source is gone: a source that exited loses nothing, the socket lives here). Rejects
   * with a `NoticeFailure` when it cannot be written to a source that is still there (the channel then
   * ends, and with it every pending import it brought: the source takes them all back).
   */
  claim(exportId: number): Promise<void> {
    return this.claimAll([exportId]);
  }

  /**
   * `claim` for many imports at once (WSPSocketBatch): they go in the same notice (several past
   * MAX_NOTICE_IDS), and one promise waits for all of them rather than one per import.
   */
  claimAll(exportIds: readonly number[]): Promise<void> {
    if (this.#ended === 'peer') return Promise.resolve();
    if (this.#ended === 'fault') return Promise.reject(new NoticeFailure('the channel to the source failed'));
    // Nothing to tell: nothing to wait for (a claim with no ids would settle with no notice).
    if (exportIds.length === 0) return Promise.resolve();
    const batch = this.#batch;
    const written = new Promise<void>((resolve, reject) => batch.claims.push({ exportIds, resolve, reject }));
    this.#schedule();
    return written;
  }

  /** Tells the source that `exportId` can never be imported (its descriptor is closed here). */
  lapse(exportId: number): void {
    if (this.#ended !== undefined) return;
    this.#batch.lapsed.push(exportId);
    this.#schedule();
  }

  /** The source closed its end or died: queued claims succeed, nothing more is sent. */
  peerEnded(): void {
    this.#end('peer', undefined);
  }

  /** This end closes the channel after a fault: queued claims fail. */
  faulted(error: Error): void {
    this.#end('fault', error);
  }

  #end(how: 'peer' | 'fault', error: Error | undefined): void {
    if (this.#ended !== undefined) return;
    this.#ended = how;
    const { claims } = this.#batch;
    this.#batch = emptyBatch();
    for (const claim of claims) {
      if (how === 'peer') claim.resolve();
      else claim.reject(new NoticeFailure(`the channel to the source failed: ${error?.message ?? 'closed'}`));
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#sending) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  /**
   * Writes the current batch (as several notices past MAX_NOTICE_IDS ids, each claim settled once the
   * notice its ids end in is written), then the one gathered meanwhile.
   */
  async #flush(): Promise<void> {
    while (this.#ended === undefined && (this.#batch.claims.length > 0 || this.#batch.lapsed.length > 0)) {
      const notices = noticesOf(this.#batch);
      this.#batch = emptyBatch();
      this.#sending = true;
      let at = 0;
      try {
        for (; at < notices.length; at++) {
          const notice = notices[at] as Notice;
          const frame = encodeTargetNotice({ claimedExportIds: notice.claimed, lapsedExportIds: notice.lapsed });
          await this.#connection.send(frame, [], { timeoutMs: this.#timeoutMs });
          for (const claim of notice.settles) claim.resolve();
        }
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        // The claims of this notice and the ones after it; those of the notices written are settled.
        const unsettled = notices.slice(at).flatMap((notice) => notice.settles);
        // The source gone, or this end closing the channel after it did (its end-of-file came first).
        if (peerGone(error) || this.#ended === 'peer') {
          for (const claim of unsettled) claim.resolve();
          this.#end('peer', undefined);
        } else {
          for (const claim of unsettled) claim.reject(new NoticeFailure(`the notice could not be written to the source: ${failure.message}`));
          this.#end('fault', failure);
          this.#onFault(failure);
        }
      } finally {
        this.#sending = false;
      }
    }
  }
}
