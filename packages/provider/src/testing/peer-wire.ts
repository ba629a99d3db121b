/**
 * The lines between `startPeerProvider` and its peer process: one JSON value per line on the
 * peer's stdin and stdout, with `Uint8Array` as `{ $bytes: base64 }` and `bigint` as
 * `{ $bigint: decimal }`, so that a protocol info (its nonce) crosses exactly.
 */

/** A call of the peer's procedure table. */
export interface PeerCall {
  id: number;
  call: string;
  args: unknown[];
}

/** The peer's answer to `PeerCall` `id`: its value, or the error it threw (a WsaError's code kept). */
export type PeerAnswer =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; name: string; code: string | undefined; message: string };

/** The peer's first line: started (its pid), or why not. */
export type PeerHello = { ready: true; pid: number } | { ready: false; message: string };

export function toWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64') };
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    // Buffer#toJSON runs before the replacer sees the value: catch its shape too.
    if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { $bytes: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
}

export function fromWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      const tagged = v as { $bytes?: unknown; $bigint?: unknown };
      if (typeof tagged.$bytes === 'string') return new Uint8Array(Buffer.from(tagged.$bytes, 'base64'));
      if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
    }
    return v;
  });
}
