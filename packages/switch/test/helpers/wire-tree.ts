/**
 * A protobuf encoding as a tree of fields, for the fuzz test: parse a valid message, change one field
 * at any depth, and serialise it again with every enclosing length recomputed, so that the change
 * reaches the decoder of the field it is in instead of breaking the outermost length. Deliberately
 * independent of the decoders under test (its own varint code), and lax: it writes what it is told,
 * wrong wire types, overlong varints and lying lengths included.
 */

/** One field: its number and wire type, and its value; a LEN field may hold a message (`children`). */
export interface WireNode {
  field: bigint;
  wireType: number;
  /** VARINT: the value. */
  varint?: bigint;
  /** LEN, I64, I32 (and any other wire type written raw): the bytes after the tag (and length). */
  bytes?: Uint8Array;
  /** A LEN field whose bytes parse as fields: its message, serialised again in place of `bytes`. */
  children?: WireNode[];
  /** Extra continuation bytes in the tag's varint (a non-canonical, overlong encoding). */
  tagPadding?: number;
  /** Extra continuation bytes in the value's varint (VARINT, or a LEN field's length). */
  valuePadding?: number;
  /** Added to a LEN field's written length: a length that lies about its payload. */
  lengthDelta?: number;
}

function readVarint(bytes: Uint8Array, at: number): [bigint, number] | undefined {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const b = bytes[at + i];
    if (b === undefined) return undefined;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return [value, at + i + 1];
  }
  return undefined;
}

/** The fields of `bytes`, or undefined unless they parse cleanly to the end (wire types 0, 1, 2, 5 only). */
export function parseWire(bytes: Uint8Array): WireNode[] | undefined {
  const nodes: WireNode[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = readVarint(bytes, at);
    if (tag === undefined) return undefined;
    at = tag[1];
    const field = tag[0] >> 3n;
    const wireType = Number(tag[0] & 7n);
    if (field === 0n) return undefined;
    if (wireType === 0) {
      const v = readVarint(bytes, at);
      if (v === undefined) return undefined;
      nodes.push({ field, wireType, varint: v[0] });
      at = v[1];
    } else if (wireType === 2) {
      const len = readVarint(bytes, at);
      if (len === undefined || BigInt(len[1]) + len[0] > BigInt(bytes.length)) return undefined;
      const payload = bytes.subarray(len[1], len[1] + Number(len[0]));
      const children = payload.length > 0 ? parseWire(payload) : undefined;
      nodes.push(children === undefined ? { field, wireType, bytes: payload } : { field, wireType, bytes: payload, children });
      at = len[1] + Number(len[0]);
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (at + size > bytes.length) return undefined;
      nodes.push({ field, wireType, bytes: bytes.subarray(at, at + size) });
      at += size;
    } else {
      return undefined;
    }
  }
  return nodes;
}

function writeVarint(out: number[], value: bigint, padding = 0): void {
  let v = BigInt.asUintN(70, value);
  const bytes: number[] = [];
  do {
    bytes.push(Number(v & 0x7fn));
    v >>= 7n;
  } while (v > 0n);
  for (let i = 0; i < padding; i++) bytes.push(0);
  for (let i = 0; i < bytes.length - 1; i++) bytes[i] = (bytes[i] as number) | 0x80;
  out.push(...bytes);
}

function writeNodes(out: number[], nodes: readonly WireNode[]): void {
  for (const node of nodes) {
    writeVarint(out, (node.field << 3n) | BigInt(node.wireType & 7), node.tagPadding);
    if (node.wireType === 0) {
      writeVarint(out, node.varint ?? 0n, node.valuePadding);
      continue;
    }
    const payload = node.children === undefined ? Array.from(node.bytes ?? []) : serialised(node.children);
    if (node.wireType === 2) writeVarint(out, BigInt(Math.max(0, payload.length + (node.lengthDelta ?? 0))), node.valuePadding);
    out.push(...payload);
  }
}

function serialised(nodes: readonly WireNode[]): number[] {
  const out: number[] = [];
  writeNodes(out, nodes);
  return out;
}

/** Serialises fields, with every length recomputed from what is under it (plus any `lengthDelta`). */
export function serializeWire(nodes: readonly WireNode[]): Uint8Array {
  return Uint8Array.from(serialised(nodes));
}

/** Where a node is: the list that holds it, its index, and its depth (0: a field of the outermost message). */
export interface WireSite {
  readonly list: WireNode[];
  readonly index: number;
  readonly depth: number;
}

/** Every field at every depth, outermost first. */
export function wireSites(nodes: WireNode[], depth = 0): WireSite[] {
  return nodes.flatMap((node, index) => [{ list: nodes, index, depth }, ...(node.children === undefined ? [] : wireSites(node.children, depth + 1))]);
}

/** A deep copy (mutations change the copy only). */
export function cloneWire(nodes: readonly WireNode[]): WireNode[] {
  return nodes.map((node) => ({ ...node, ...(node.children === undefined ? {} : { children: cloneWire(node.children) }) }));
}
