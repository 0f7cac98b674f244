import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { sipPackets, startCapture } from './support/capture.js';
import { createLab, PUBLIC } from './support/netns-lab.js';
import { LAB_USER, runNatter, startCoturn, startSipp } from './support/peers.js';

it('scratch', async () => {
  const lab = createLab({ nat: 'cone', lossPercent: Number(process.env.LOSS ?? 0) });
  try {
    await startCoturn(lab);
    if (process.env.DROPSTR)
      lab.exec(lab.router, 'iptables', [
        '-I',
        'FORWARD',
        '-m',
        'string',
        '--string',
        process.env.DROPSTR,
        '--algo',
        'bm',
        '-m',
        'statistic',
        '--mode',
        'nth',
        '--every',
        '2',
        '--packet',
        '0',
        '-j',
        'DROP',
      ]);
    await startSipp(lab, process.env.SCEN ?? 'provider-comedia.xml', { extraArgs: ['-rtp_echo'] });
    const lan = await startCapture(lab, lab.router, lab.routerLanInterface);
    const run = await runNatter(lab, [
      'call',
      '4443',
      '--server',
      `${PUBLIC.provider}:5060`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--seconds',
      '3',
      '--json',
    ]);
    const sip = sipPackets(await lan.stop());
    writeFileSync(
      '/tmp/scratch.txt',
      run.stdout +
        '\n' +
        run.stderr +
        '\n' +
        sip
          .map((m) => `=== ${m.time} ${m.src}:${m.sport} > ${m.dst}:${m.dport}\n${m.text}`)
          .join('\n'),
    );
  } finally {
    lab.destroy();
  }
}, 120000);
