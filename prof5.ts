import { sipTarget } from './test/fuzz/targets/sip-targets.ts';
const head = 'OPTIONS sip:123456_home@203.0.113.7:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.10;branch=z9hG4bK776\r\nFrom: <sip:a@198.51.100.10>;tag=1\r\nTo: <sip:123456_home@198.51.100.10>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n';
for (const [name, line] of [['contact', 'm:<sip:a@b>'], ['www', 'WWW-Authenticate:Digest realm=a'], ['x-foo', 'X:y']] as const) {
  const n = Math.floor((65000 - head.length) / (line.length + 2));
  const msg = head + Array.from({ length: n }, () => line).join('\r\n') + '\r\n\r\n';
  const s = performance.now();
  try { await sipTarget.execute(msg); } catch (e) { console.log(String(e)); }
  console.log(name, n, msg.length, 'ms', (performance.now() - s).toFixed(0));
}
await sipTarget.dispose?.();
process.exit(0);
