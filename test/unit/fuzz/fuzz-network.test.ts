/**
 * The fuzz targets for what arrives from the network, each for a short fixed budget
 * (FUZZ_SECONDS, 8 s by default): a broken contract fails the test with fast-check's seed and
 * path. `npm run fuzz` runs the same targets longer and measures their coverage.
 */
import { describe } from 'vitest';
import { fuzzEach } from './fuzz-each.js';

describe('fuzzing the network parsers', () => {
  fuzzEach([
    'sip',
    'sip-dialog',
    'sip-call-out',
    'sip-digest',
    'sip-stream',
    'sdp',
    'stun',
    'turn-codec',
    'turn-client',
    'channel-data',
    'message-summary',
  ]);
});
