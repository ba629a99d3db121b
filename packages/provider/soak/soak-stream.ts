/**
 * The byte streams of the soak: the peer sends uint32 big-endian counters 0, 1, 2... downstream as
 * fast as the connection takes them, and the holder of the moment sends the same kind of counters
 * upstream. Each side checks what it reads: a counter above the one expected means counters were
 * lost, one below means they were repeated. The holder's state (the next counter each way, and a
 * partial counter) travels with the socket, in the hand-off's message.
 */
import type { Socket, WspProcTable } from '@sanshare/protocol-info';

export interface StreamState {
  /** The next downstream counter expected. */
  downNext: number;
  /** Bytes of a downstream counter cut by a read (0 to 3), as numbers. */
  partial: number[];
  /** The next upstream counter to send. */
  upNext: number;
  /** Downstream bytes read so far, and counters found lost or repeated (in bytes). */
  downBytes: number;
  lostBytes: number;
  repeatedBytes: number;
}

export const START: StreamState = { downNext: 0, partial: [], upNext: 0, downBytes: 0, lostBytes: 0, repeatedBytes: 0 };

/** Checks counters in `bytes` against `state` (moving it on); returns the bytes left over (a partial counter). */
export function checkCounters(bytes: Buffer, state: { next: number; lostBytes: number; repeatedBytes: number }): Buffer {
  const whole = bytes.length - (bytes.length % 4);
  for (let i = 0; i < whole; i += 4) {
    const value = bytes.readUInt32BE(i);
    const expected = state.next >>> 0;
    if (value !== expected) {
      // Within half the counter space ahead: skipped (lost); behind: seen again (repeated).
      const ahead = (value - expected) >>> 0;
      if (ahead < 0x8000_0000) state.lostBytes += ahead * 4;
      else state.repeatedBytes += ((expected - value) >>> 0) * 4;
      state.next = value;
    }
    state.next = (state.next + 1) >>> 0;
  }
  return bytes.subarray(whole);
}

/** Reads at least `minBytes` downstream (checking them), then sends `upCount` counters upstream. */
export async function pump(p: WspProcTable, s: Socket, state: StreamState, minBytes: number, upCount: number): Promise<StreamState> {
  const check = { next: state.downNext, lostBytes: state.lostBytes, repeatedBytes: state.repeatedBytes };
  let partial = Buffer.from(state.partial);
  let got = 0;
  while (got < minBytes) {
    const chunk = await p.WSPRecv(s);
    if (chunk.length === 0) throw new Error('the peer ended the connection');
    got += chunk.length;
    partial = Buffer.from(checkCounters(partial.length > 0 ? Buffer.concat([partial, chunk]) : Buffer.from(chunk), check));
  }
  let upNext = state.upNext;
  if (upCount > 0) {
    const out = Buffer.alloc(upCount * 4);
    for (let i = 0; i < upCount; i++) out.writeUInt32BE((upNext + i) >>> 0, i * 4);
    await p.WSPSend(s, out);
    upNext += upCount;
  }
  return { downNext: check.next, partial: [...partial], upNext, downBytes: state.downBytes + got, lostBytes: check.lostBytes, repeatedBytes: check.repeatedBytes };
}

/** A deterministic pseudo-random sequence (so a run's pattern of reads and writes can be replayed). */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 0x1_0000_0000;
  };
}
