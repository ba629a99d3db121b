import {
  FRAME_MAGIC,
  HEADER_BYTES,
  KNOWN_FLAGS,
  WIRE_VERSION,
} from './constants.js';
import { UdsError } from './errors.js';

/**
 * The 16-byte header at the start of every SOCK_SEQPACKET record (all integers little-endian);
 * `docs/wire-uds.md` is the normative description.
 *
 * | offset | size | field |
 * | --- | --- | --- |
 * | 0 | 4 | magic, the ASCII bytes `SSUD` |
 * | 4 | 1 | version, {@link WIRE_VERSION} |
 * | 5 | 1 | flags: `FLAG_MORE` (0x01), `FLAG_CONTINUATION` (0x02); other bits zero |
 * | 6 | 2 | descriptors attached to this record (SCM_RIGHTS); zero on continuations |
 * | 8 | 4 | payload length of the whole message |
 * | 12 | 4 | offset of this record's payload within the message |
 *
 * The record's own payload is everything after the header (record length minus 16).
 */
export interface FrameHeader {
  version: number;
  flags: number;
  fdCount: number;
  messageLength: number;
  chunkOffset: number;
}

/** Writes a header into `out` (at least {@link HEADER_BYTES} long). */
export function encodeFrameHeader(out: Uint8Array, header: Omit<FrameHeader, 'version'>): void {
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, WIRE_VERSION);
  view.setUint8(5, header.flags);
  view.setUint16(6, header.fdCount, true);
  view.setUint32(8, header.messageLength, true);
  view.setUint32(12, header.chunkOffset, true);
}

/**
 * Reads and checks the header of one record.
 * Throws UdsError `UDS_MALFORMED_FRAME` (short record, bad magic, unknown flags) or
 * `UDS_VERSION_MISMATCH`.
 */
export function decodeFrameHeader(record: Uint8Array): FrameHeader {
  if (record.length < HEADER_BYTES) {
    throw new UdsError(
      'UDS_MALFORMED_FRAME',
      `truncated frame header: a record of ${record.length} bytes, the header alone is ${HEADER_BYTES}`,
    );
  }
  const view = new DataView(record.buffer, record.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) !== FRAME_MAGIC) {
    throw new UdsError('UDS_MALFORMED_FRAME', 'bad frame magic: the peer does not speak sanshare uds framing');
  }
  const version = view.getUint8(4);
  if (version !== WIRE_VERSION) {
    throw new UdsError(
      'UDS_VERSION_MISMATCH',
      `the peer speaks wire version ${version}, this side only version ${WIRE_VERSION}`,
    );
  }
  const flags = view.getUint8(5);
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new UdsError('UDS_MALFORMED_FRAME', `unknown frame flags 0x${flags.toString(16)}`);
  }
  return {
    version,
    flags,
    fdCount: view.getUint16(6, true),
    messageLength: view.getUint32(8, true),
    chunkOffset: view.getUint32(12, true),
  };
}

