/**
 * A certificate authority made at test time with `openssl`, and server certificates it issues:
 * a good one, an expired one, one for another name. A second CA stands for an issuer nobody
 * trusts. Everything lives in a directory of the caller's, removed with it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestCa {
  /** The CA certificate (PEM), and its file: what `--ca` is given. */
  caFile: string;
  caPem: string;
  /** A server certificate naming `names` (IP addresses or DNS names). */
  issue(label: string, names: string[], options?: { expired?: boolean }): IssuedCertificate;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** Makes a CA called `name` in `dir` (files prefixed with `name`). */
export function makeTestCa(dir: string, name = 'lab-ca'): TestCa {
  const caKey = join(dir, `${name}.key`);
  const caFile = join(dir, `${name}.pem`);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-days',
      '30',
      '-subj',
      `/CN=Natter ${name}`,
    ],
    dir,
  );
  return {
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    issue(label, names, options = {}) {
      const keyFile = join(dir, `${name}-${label}.key`);
      const csr = join(dir, `${name}-${label}.csr`);
      const certFile = join(dir, `${name}-${label}.pem`);
      const ext = join(dir, `${name}-${label}.ext`);
      const alt = names
        .map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`))
        .join(',');
      writeFileSync(
        ext,
        `subjectAltName=${alt}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
      );
      openssl(
        [
          'req',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          keyFile,
          '-out',
          csr,
          '-subj',
          `/CN=${names[0] ?? label}`,
        ],
        dir,
      );
      // -days -1 ends the certificate's validity a day before it began: expired now.
      openssl(
        [
          'x509',
          '-req',
          '-in',
          csr,
          '-CA',
          caFile,
          '-CAkey',
          caKey,
          '-CAcreateserial',
          '-out',
          certFile,
          '-days',
          options.expired ? '-1' : '30',
          '-extfile',
          ext,
        ],
        dir,
      );
      return {
        certFile,
        keyFile,
        cert: readFileSync(certFile, 'utf8'),
        key: readFileSync(keyFile, 'utf8'),
      };
    },
  };
}
