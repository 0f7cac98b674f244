import { Core } from 'sip.js';
const lf = new Core.LoggerFactory(); lf.builtinEnabled = false; const lg = lf.getLogger('x');
const head = 'OPTIONS sip:123456_home@203.0.113.7:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.10;branch=z9hG4bK776\r\nFrom: <sip:a@198.51.100.10>;tag=1\r\nTo: <sip:123456_home@198.51.100.10>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n';
const build = (size: number, unit: string, sep: string, prefix: string, maxN = 1e9) => { const n = Math.min(maxN, Math.floor((size - head.length) / (unit.length + sep.length))); return head + prefix + Array.from({length: n}, () => unit).join(sep) + '\r\n\r\n'; };
const cpu = (msg: string) => { const s = process.cpuUsage(); Core.Parser.parseMessage(msg, lg); const d = process.cpuUsage(s); return ((d.user + d.system) / 1000).toFixed(0); };
for (let i = 0; i < 50; i++) cpu(build(1000, 'm:<sip:a@b>', '\r\n', ''));
for (const size of [1000, 4000, 16000, 64000]) {
  console.log(size, 'contact-list', cpu(build(size, '<sip:a@b>', ',', 'm:')), 'contact-lines<=100', cpu(build(size, 'm:<sip:a@b>', '\r\n', '', 100)), 'contact-long-lines<=100', cpu(build(size, 'm:<sip:' + 'a'.repeat(Math.max(1, size / 100 - 12)) + '@b>', '\r\n', '', 100)), 'www<=100', cpu(build(size, 'WWW-Authenticate:Digest realm=' + 'a'.repeat(Math.max(1, size/100 - 31)), '\r\n', '', 100)), 'normal', cpu(build(size, 'X-A:b', '\r\n', '', 100)));
}
