import { WsaError } from '@sanshare/protocol-info';
import type { SwitchCore } from './switch-core.js';
import type { Switch } from './switch-api.js';

/**
 * The core behind each `Switch` object that `WSAStartup` made, for the package's own functions that
 * take a switch (`toNetSocket`, `adoptNetSocket`). Weak: a switch the application drops is collected.
 */
const cores = new WeakMap<Switch, SwitchCore>();

export function registerSwitch(sw: Switch, core: SwitchCore): void {
  cores.set(sw, core);
}

/** The core of `sw`; `WSAEINVAL` for anything `WSAStartup` did not return. */
export function switchCoreOf(sw: Switch): SwitchCore {
  const core = cores.get(sw);
  if (core === undefined) throw new WsaError('WSAEINVAL', 'not a switch made by WSAStartup; pass the object WSAStartup resolved with');
  return core;
}
