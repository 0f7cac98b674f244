import { Core } from 'sip.js';
const lf = new Core.LoggerFactory(); lf.builtinEnabled = false; const lg = lf.getLogger('x');
const head = 'OPTIONS sip:123456_home@203.0.113.7:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.10;branch=z9hG4bK776\r\nFrom: <sip:a@198.51.100.10>;tag=1\r\nTo: <sip:123456_home@198.51.100.10>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n';
const build = (size: number, unit: string, sep: string, prefix: string) => { const n = Math.floor((size - head.length) / (unit.length + sep.length)); return head + prefix + Array.from({length: n}, () => unit).join(sep) + '\r\n\r\n'; };
for (const size of [2000, 4000, 8000, 16000]) {
  const cases = { 'contact-list': build(size, '<sip:a@b>', ',', 'm:'), 'contact-lines': build(size, 'm:<sip:a@b>', '\r\n', ''), 'rr-list': build(size, '<sip:p@b;lr>', ',', 'Record-Route:'), 'via-list': build(size, 'SIP/2.0/UDP a;branch=z9hG4bK1', ',', 'Via:'), 'www-lines': build(size, 'WWW-Authenticate:Digest realm=a', '\r\n', '') };
  const out: string[] = [];
  for (const [name, msg] of Object.entries(cases)) { const s = performance.now(); Core.Parser.parseMessage(msg, lg); out.push(`${name} ${(performance.now() - s).toFixed(0)}`); }
  console.log(size, out.join('  '));
}
