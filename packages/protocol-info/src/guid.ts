/**
 * GUID text <-> the 16 bytes of a Win32 `GUID`. Windows stores `Data1` (u32), `Data2` and `Data3` (u16)
 * in the machine's byte order (little-endian) and `Data4` as 8 bytes in order, so the text
 * `00112233-4455-6677-8899-aabbccddeeff` is the bytes `33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff`.
 * Callers validate the text first (validateProtocolInfo); these helpers only convert.
 */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Text index of the two hex digits of each of the 16 native bytes, in native byte order. */
const TEXT_INDEX = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34] as const;

function hexValue(code: number): number {
  // '0'..'9' -> 0..9, 'a'..'f' -> 10..15 (the text is already validated as lowercase hex).
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/** Writes canonical GUID text as the 16 native bytes at `offset`. */
export function writeGuid(text: string, target: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const at = TEXT_INDEX[i] as number;
    target[offset + i] = (hexValue(text.charCodeAt(at)) << 4) | hexValue(text.charCodeAt(at + 1));
  }
}

/** Reads the 16 native bytes at `offset` as canonical lowercase GUID text. */
export function readGuid(source: Uint8Array, offset: number): string {
  const h = (i: number): string => HEX[source[offset + i] as number] as string;
  return (
    h(3) + h(2) + h(1) + h(0) + '-' + h(5) + h(4) + '-' + h(7) + h(6) + '-' + h(8) + h(9) + '-' +
    h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  );
}
