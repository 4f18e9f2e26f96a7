/**
 * @module What every channel factory receives besides its own settings: its outbox id, its
 * printable target and its resolved policy.
 */
import type { ChannelPolicy } from '../policy.js';

export interface ChannelBase {
  readonly id: string;
  readonly target: string;
  readonly policy: ChannelPolicy;
}
