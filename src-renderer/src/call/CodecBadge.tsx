import { codecLabel } from '../../../src-shared/codec-order.js';
import type { CallInfo } from '../../../src-shared/domain.js';

/**
 * "G.722 (HD)" on a call that has wideband audio, so a user who enabled G.722 sees it worked;
 * a G.711 call says nothing here (its codec is in the call's details).
 */
export function CodecBadge({ call }: { call: CallInfo }) {
  if (call.codec !== 'G722') return null;
  return (
    <p className="codec-badge" title="Wideband audio: 16 kHz, twice the range of a phone line">
      {codecLabel(call.codec)}
    </p>
  );
}
