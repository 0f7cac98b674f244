/**
 * `tel:`, `sip:` and `callto:` links: the schemes Natter registers for, and the number a link
 * carries. A link only ever fills the dialer; the user presses Call.
 */
export const LINK_SCHEMES = ['tel', 'sip', 'callto'] as const;

const LINK = /^(?:tel|sip|callto):(?:\/\/)?([^@;?]+)/i;

/** The number in a link, as the dialer takes it, or null when the text is not such a link. */
export function numberFromLink(link: string): string | null {
  const match = LINK.exec(link.trim());
  if (!match?.[1]) return null;
  let text: string;
  try {
    text = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  const number = text.replace(/[^0-9*#+A-Za-z]/g, '');
  return number.length > 0 ? number : null;
}

/**
 * The number of the link among a command line's arguments: Windows and Linux start the app (or
 * wake the running one, through `second-instance`) with the link as an argument.
 */
export function numberFromArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    if (!/^(?:tel|sip|callto):/i.test(arg)) continue;
    const number = numberFromLink(arg);
    if (number) return number;
  }
  return null;
}
