import type { UdsConnection } from '@sanshare/transport-uds';
import { describe, expect, it } from 'vitest';
import { decodeTargetFrame, type ExportNoticeMessage } from './export-codec.js';
import { MAX_NOTICE_IDS } from './constants.js';
import { NoticeFailure, NoticeWriter } from './notice-writer.js';

/** A connection double that records each notice sent and settles each send when told. */
function fakeConnection(): { connection: UdsConnection; sent: ExportNoticeMessage[]; settleNext: (error?: Error) => void } {
  const sent: ExportNoticeMessage[] = [];
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const connection = {
    send(data: Uint8Array): Promise<void> {
      sent.push(decodeTargetFrame(data).notice as ExportNoticeMessage);
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
  } as unknown as UdsConnection;
  return {
    connection,
    sent,
    settleNext: (error) => {
      const next = pending.shift();
      if (error === undefined) next?.resolve();
      else next?.reject(error);
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('NoticeWriter', () => {
  it('should send the claims and lapses of one turn in one notice, and resolve the claims once it is written', async () => {
    const { connection, sent, settleNext } = fakeConnection();
    const writer = new NoticeWriter(connection, 1000, () => {});
    let done = 0;
    void writer.claim(1).then(() => done++);
    void writer.claim(2).then(() => done++);
    writer.lapse(3);
    await turn();
    expect(sent).toEqual([{ claimedExportIds: [1, 2], lapsedExportIds: [3] }]);
    expect(done).toBe(0);
    // Made while that notice is being written: the next notice.
    void writer.claim(4).then(() => done++);
    settleNext();
    await turn();
    expect(done).toBe(2);
    expect(sent).toEqual([{ claimedExportIds: [1, 2], lapsedExportIds: [3] }, { claimedExportIds: [4], lapsedExportIds: [] }]);
    settleNext();
    await turn();
    expect(done).toBe(3);
  });

  it('should resolve the claims when the source is gone, and send nothing more', async () => {
    const { connection, sent, settleNext } = fakeConnection();
    const writer = new NoticeWriter(connection, 1000, () => {});
    const claimed = writer.claim(1);
    await turn();
    settleNext(Object.assign(new Error('gone'), { code: 'UDS_PEER_CLOSED' }));
    await expect(claimed).resolves.toBeUndefined();
    expect(writer.ended).toBe(true);
    await expect(writer.claim(2)).resolves.toBeUndefined();
    writer.lapse(3);
    await turn();
    expect(sent).toHaveLength(1);
  });

  it('should fail the claims and report the fault once when the source does not take the notice', async () => {
    const { connection, settleNext } = fakeConnection();
    const faults: Error[] = [];
    const writer = new NoticeWriter(connection, 1000, (error) => faults.push(error));
    const claimed = writer.claim(1);
    await turn();
    settleNext(Object.assign(new Error('send: timed out'), { code: 'UDS_TIMEOUT' }));
    await expect(claimed).rejects.toBeInstanceOf(NoticeFailure);
    expect(faults.map((f) => f.message)).toEqual(['send: timed out']);
    await expect(writer.claim(2)).rejects.toBeInstanceOf(NoticeFailure);
  });

  it('should resolve the claims whose notice was written when a later notice of the same flush fails, and fail only the others', async () => {
    // More claims in one turn than one notice holds (concurrent batches of one source): several notices.
    const { connection, sent, settleNext } = fakeConnection();
    const faults: Error[] = [];
    const writer = new NoticeWriter(connection, 1000, (error) => faults.push(error));
    const ids = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
    const batches = [ids(1, 253), ...Array.from({ length: 16 }, (_, k) => ids(1000 + k * 253, 253)), ids(9000, 253)];
    const outcomes = batches.map((batch) =>
      writer.claimAll(batch).then(
        () => 'claimed',
        (error: unknown) => (error instanceof NoticeFailure ? 'failed' : 'other'),
      ),
    );
    await turn();
    // The first notice is written: the source holds every id in it as claimed (imported here).
    settleNext();
    await turn();
    settleNext(Object.assign(new Error('send: timed out'), { code: 'UDS_TIMEOUT' }));
    const settled = await Promise.all(outcomes);
    expect(faults).toHaveLength(1);
    expect(sent).toHaveLength(2);
    const first = new Set((sent[0] as ExportNoticeMessage).claimedExportIds);
    expect(first.size).toBeLessThanOrEqual(MAX_NOTICE_IDS);
    // A claim whose ids all reached the source succeeds (its import must live on: the source let the
    // socket go); the others fail (the source takes them back). No claim straddles the two notices.
    for (const [at, batch] of batches.entries()) {
      const written = batch.filter((id) => first.has(id)).length;
      expect([0, batch.length]).toContain(written);
      expect(settled[at]).toBe(written === batch.length ? 'claimed' : 'failed');
    }
    expect(settled.filter((o) => o === 'claimed').length).toBeGreaterThan(0);
  });

  it('should resolve queued claims when the channel ends from the source, and fail them when this end gives up', async () => {
    const a = new NoticeWriter(fakeConnection().connection, 1000, () => {});
    const b = new NoticeWriter(fakeConnection().connection, 1000, () => {});
    const fromA = a.claim(1);
    const fromB = b.claim(1);
    a.peerEnded();
    b.faulted(new Error('framing fault'));
    await expect(fromA).resolves.toBeUndefined();
    await expect(fromB).rejects.toThrow(/framing fault/);
  });
});
