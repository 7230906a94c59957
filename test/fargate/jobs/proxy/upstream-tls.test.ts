import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyCoinJobSource } from '../../../../families/bitcoin/proxy.js';
import { type FakeUpstream, startFakeUpstream } from '../../../helpers/fake-upstream.js';
import { proxyPoolConfig, startProxyCoin } from '../../../helpers/proxy-coin.js';

/**
 * A private CA and a certificate it signed for 127.0.0.1 and localhost (openssl, made for the test run), and a second
 * CA that signed nothing of the upstream's.
 */
function makeCertificates(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca'])
    ssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=edgepool test ${ca}`,
    );
  const issue = (name: string, san: string) => {
    ssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
    return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) };
  };
  const misnamed = issue('misnamed', 'DNS:elsewhere.example');
  return {
    ...issue('upstream', 'IP:127.0.0.1,DNS:localhost'),
    misnamed,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
  };
}

describe('a TLS upstream (stratum+ssl)', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let upstream: FakeUpstream;
  let jobs: ProxyCoinJobSource | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upstream-tls-'));
    certs = makeCertificates(dir);
    upstream = await startFakeUpstream({ tls: { key: certs.key, cert: certs.cert } });
  });

  afterEach(() => {
    jobs?.stop();
    jobs = undefined;
  });

  afterAll(async () => {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mines its jobs when its certificate chains to the pinned caFile', async () => {
    ({ jobs } = await startProxyCoin(proxyPoolConfig([{ url: upstream.url, caFile: certs.caFile }])));
    expect(jobs.upstreams()[0]).toMatchObject({ daemon: upstream.url, healthy: true });
    expect(jobs.current()?.coinb1).toContain('e1e1e1e1');
  });

  it("refuses a private CA's certificate against the system CAs (no caFile): never accepted unverified", async () => {
    await expect(startProxyCoin(proxyPoolConfig([{ url: upstream.url }]))).rejects.toThrow(
      /no upstream pool serves jobs \(.*(self-signed|unable to (get|verify)).*\)/i,
    );
  });

  it('refuses a certificate that does not chain to the pinned CA', async () => {
    await expect(startProxyCoin(proxyPoolConfig([{ url: upstream.url, caFile: certs.otherCaFile }]))).rejects.toThrow(
      /no upstream pool serves jobs \(.*unable to (get|verify)/i,
    );
  });

  it('refuses a certificate for another host name, even from the pinned CA', async () => {
    const other = await startFakeUpstream({ tls: certs.misnamed });
    try {
      await expect(startProxyCoin(proxyPoolConfig([{ url: other.url, caFile: certs.caFile }]))).rejects.toThrow(
        /IP: 127\.0\.0\.1 is not in the cert's list/,
      );
    } finally {
      await other.close();
    }
  });

  it('names a caFile it cannot read', async () => {
    await expect(
      startProxyCoin(proxyPoolConfig([{ url: upstream.url, caFile: join(dir, 'missing.pem') }])),
    ).rejects.toThrow(/cannot read the upstream's caFile .*missing\.pem/);
  });
});
