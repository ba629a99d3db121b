import type { Switch } from '../../src/index.js';

const decoder = new TextDecoder();

/** Reads from switch socket `s` until `length` bytes came (as text); throws if the peer closes first. */
export async function recvExact(sw: Switch, s: number, length: number): Promise<string> {
  let text = '';
  while (text.length < length) {
    const bytes = await sw.recv(s, { maxBytes: length - text.length });
    if (bytes.length === 0) throw new Error('closed early');
    text += decoder.decode(bytes);
  }
  return text;
}
