import { describe, expect, it } from 'vitest';
import { numberFromArgv, numberFromLink } from '../../../src-main/app/shell/protocol-links.js';

describe('the number a link carries', () => {
  it('reads tel:, sip: and callto: links as the dialer takes them', () => {
    expect(numberFromLink('tel:+1-514-555-0100')).toBe('+15145550100');
    expect(numberFromLink('TEL:%2B15145550100')).toBe('+15145550100');
    expect(numberFromLink('sip:4443@montreal.voip.ms;transport=udp')).toBe('4443');
    expect(numberFromLink('callto://15145550100')).toBe('15145550100');
    expect(numberFromLink('tel:*97')).toBe('*97');
  });

  it('is nothing for anything else, or a link that is malformed', () => {
    expect(numberFromLink('https://voip.ms')).toBeNull();
    expect(numberFromLink('tel:%E0%A4%A')).toBeNull();
    expect(numberFromLink('tel:---')).toBeNull();
  });

  it('finds the link among a command line’s arguments', () => {
    expect(numberFromArgv(['/opt/Natter/natter', '--hidden', 'tel:4443'])).toBe('4443');
    expect(numberFromArgv(['/opt/Natter/natter', '--flag=tel:1'])).toBeNull();
  });
});
