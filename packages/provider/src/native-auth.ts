/**
 * How the native 628-byte form of a duplicated socket's protocol info authenticates an import
 * (docs/protocol-info.md, "The native form of a duplicated socket"). That form has no room for the
 * export context, and `dwProviderReserved` (the export id) alone is 32 bits a same-user process could
 * guess. So the first 8 bytes of the export's nonce travel in the reserved words `dwServiceFlags3`
 * (bytes 0-3, little-endian) and `dwServiceFlags4` (bytes 4-7), as Wine and ReactOS keep their own
 * context there: 64 random bits besides the export id, checked by the target's import.
 */

/** `dwServiceFlags3` and `dwServiceFlags4` of a duplicate whose export has `nonce` (at least 8 bytes). */
export function nativeAuthWords(nonce: Uint8Array): [number, number] {
  const word = (at: number): number =>
    ((nonce[at] ?? 0) | ((nonce[at + 1] ?? 0) << 8) | ((nonce[at + 2] ?? 0) << 16) | ((nonce[at + 3] ?? 0) << 24)) >>> 0;
  return [word(0), word(4)];
}
