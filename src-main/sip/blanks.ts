/**
 * SIP's blanks (SP and HTAB, RFC 3261 §25.1 SWS) around a header's value, cut in code. A pattern
 * that trims them itself (`[ \t]*(.*?)[ \t]*$`) backtracks cubically over a long run of blanks
 * ahead of a character `.` does not match (a lone CR or LF): 3,000 of them took seconds.
 */
const isBlank = (char: string | undefined) => char === ' ' || char === '\t';

export function trimBlanks(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isBlank(value[start])) start += 1;
  while (end > start && isBlank(value[end - 1])) end -= 1;
  return value.slice(start, end);
}
