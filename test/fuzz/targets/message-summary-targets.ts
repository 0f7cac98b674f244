/**
 * What a provider's message-summary NOTIFY carries (RFC 3842), as the voicemail indicator reads
 * it: valid bodies built from their fields (Asterisk's three lines, message headers after a blank
 * line), then damaged line by line.
 */
import fc from 'fast-check';
import { VoicemailIndicator } from '../../../src-main/engine/voicemail-indicator.js';
import {
  MAX_MESSAGE_COUNT,
  MAX_MESSAGE_SUMMARY_BYTES,
  parseMessageSummary,
} from '../../../src-main/sip/message-summary.js';
import { voicemailSchema } from '../../../src-shared/domain.js';
import { check, mustNotThrow, textCodec, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';

const count = fc.oneof(fc.nat({ max: 20 }), fc.constantFrom(0, 99_999, 100_000, 2 ** 53));

const summaryLine = fc
  .record({
    name: fc.constantFrom('Voice-Message', 'voice-message', 'Fax-Message', 'none', 'Bogus'),
    counts: fc.tuple(count, count, count, count),
    urgent: fc.boolean(),
  })
  .map(({ name, counts: [fresh, old, urgentNew, urgentOld], urgent }) =>
    urgent ? `${name}: ${fresh}/${old} (${urgentNew}/${urgentOld})` : `${name}: ${fresh}/${old}`,
  );

const validBody = fc
  .record({
    waiting: fc.constantFrom('yes', 'no', 'YES', 'maybe'),
    account: fc.option(fc.constantFrom('sip:*97@198.51.100.10', 'sip:x', '<bad>')),
    lines: fc.array(summaryLine, { maxLength: 3 }),
    headers: fc.option(fc.constantFrom('To: <sip:a@b>\r\nSubject: hi', 'Priority: urgent')),
  })
  .map(({ waiting, account, lines, headers }) =>
    [
      `Messages-Waiting: ${waiting}`,
      ...(account === null ? [] : [`Message-Account: ${account}`]),
      ...lines,
      ...(headers === null ? [] : ['', headers]),
      '',
    ].join('\r\n'),
  );

const registrar = { address: '198.51.100.10', port: 5060 };

export const messageSummaryTarget: FuzzTarget<string> = {
  name: 'message-summary',
  contract:
    'parseMessageSummary never throws: any body gives a refusal with a reason or counts within ' +
    'range (urgent ones among their class); the indicator fed the same body from the registrar ' +
    'never throws and holds nothing the contract schema refuses',
  modules: ['src-main/sip/message-summary.ts', 'src-main/engine/voicemail-indicator.ts'],
  input: () => mutatedText(validBody, '\r\n', MAX_MESSAGE_SUMMARY_BYTES * 2),
  execute(body) {
    const parsed = mustNotThrow('parseMessageSummary', () => parseMessageSummary(body));
    if (!parsed.ok) {
      check(parsed.reason.length > 0 && parsed.reason.length <= 200, 'refusal reason unbounded');
    } else {
      check(body.length <= MAX_MESSAGE_SUMMARY_BYTES, 'an oversized body was read');
      const voice = parsed.summary.voice;
      if (voice) {
        for (const value of Object.values(voice)) {
          check(Number.isInteger(value) && value >= 0 && value <= MAX_MESSAGE_COUNT, 'bad count');
        }
        check(voice.urgentNew <= voice.newMessages, 'more urgent new than new');
        check(voice.urgentOld <= voice.oldMessages, 'more urgent old than old');
      }
    }
    let changes = 0;
    const indicator = new VoicemailIndicator({
      registrar: () => registrar,
      onChange: () => changes++,
    });
    const believed = mustNotThrow('VoicemailIndicator.report', () =>
      indicator.report(body, registrar),
    );
    check(believed === parsed.ok, 'the indicator and the parser disagree');
    check(changes === (parsed.ok ? 1 : 0), 'a change reported for a refused body');
    const status = indicator.status;
    check(status === null || voicemailSchema.safeParse(status).success, 'status fails the schema');
  },
  ...textCodec,
};
