import { decodeProtocolInfo, type ProtocolInfo } from '@sanshare/protocol-info';
import { SwitchError, isSwitchError } from './errors.js';
import { reasonOf } from './explain.js';
import { decodeChannelMessage } from './protocol-info-channel-codec.js';

/** A protocol-info channel frame as the channel acts on it: the protocol info decoded, not its bytes. */
export type ChannelFrame =
  | { kind: 'pidRequest'; requestId: number }
  | { kind: 'pidReply'; requestId: number; pid: number }
  | { kind: 'protocolInfo'; info: ProtocolInfo };

/**
 * Every decoder a peer's bytes reach on the protocol-info channel, in the order the channel runs them:
 * the frame (`decodeChannelMessage`) and, in a `protocol_info` body, the protocol info
 * (`decodeProtocolInfo` of `@sanshare/protocol-info`, which validates it). Returns the frame, or
 * throws `SwitchError` `ERR_CHANNEL_PROTOCOL` and nothing else, whatever the bytes (the fuzz test
 * `test/channel-frame-fuzz.test.ts` holds it to that).
 */
export function decodeChannelFrame(data: Uint8Array): ChannelFrame {
  let message: ReturnType<typeof decodeChannelMessage>;
  try {
    message = decodeChannelMessage(data);
  } catch (error) {
    if (isSwitchError(error, 'ERR_CHANNEL_PROTOCOL')) throw error;
    throw new SwitchError('ERR_CHANNEL_PROTOCOL', `a malformed protocol-info channel message: ${reasonOf(error)}`, { cause: error });
  }
  if (message.kind !== 'protocolInfo') return message;
  try {
    return { kind: 'protocolInfo', info: decodeProtocolInfo(message.protocolInfo) };
  } catch (error) {
    throw new SwitchError('ERR_CHANNEL_PROTOCOL', `an invalid protocol info in a protocol_info body: ${reasonOf(error)}`, { cause: error });
  }
}
