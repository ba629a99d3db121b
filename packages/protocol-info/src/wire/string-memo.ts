/**
 * Remembers the last string decoded from a run of bytes and hands it back when the same bytes come
 * again, skipping the decode and the checks on its result. Why: the strings of a protocol info
 * (`ProviderId`, `szProtocol`) are a provider's catalog values, identical in every info it returns,
 * and decoding and checking them is most of a decode's cost (bench/). The bytes are copied in, so a
 * caller reusing its buffer cannot change a remembered string.
 */
export class StringMemo {
  private bytes = new Uint8Array(64);
  private length = -1;
  private text = '';

  /** The remembered string if `source[start..end)` holds the remembered bytes, else undefined. */
  get(source: Uint8Array, start: number, end: number): string | undefined {
    const length = end - start;
    if (length !== this.length) return undefined;
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (source[start + i] !== bytes[i]) return undefined;
    return this.text;
  }

  /** Remembers `text` as the string of `source[start..end)`. Call only with a string that passed every check. */
  set(source: Uint8Array, start: number, end: number, text: string): void {
    const length = end - start;
    if (this.bytes.length < length) this.bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) this.bytes[i] = source[start + i] as number;
    this.length = length;
    this.text = text;
  }
}
