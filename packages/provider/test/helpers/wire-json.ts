/**
 * JSON for the test agents' stdin/stdout protocol: `Uint8Array` travels as `{ $bytes: base64 }`
 * and `bigint` as `{ $bigint: string }`, so a protocol info crosses processes exactly.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    // Buffer#toJSON runs before the replacer sees it; catch its shape too.
    if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { $bytes: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
}

export function fromJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      const o = v as { $bytes?: unknown; $bigint?: unknown };
      if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
    }
    return v;
  });
}
