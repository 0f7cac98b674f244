/**
 * The fuzz targets for media packets and what the app reads from disk and the renderer; see
 * fuzz-network.test.ts. Two files, so that the unit project runs them in parallel.
 */
import { describe } from 'vitest';
import { fuzzEach } from './fuzz-each.js';

describe('fuzzing the media, file and IPC parsers', () => {
  fuzzEach(['rtp', 'rtcp', 'srtp', 'dtmf', 'settings-file', 'history-file', 'ipc', 'address-book']);
});
