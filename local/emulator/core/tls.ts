/**
 * The emulator's own certificate authority and server certificate (SAN IP:127.0.0.1, localhost).
 * Clients trust it through the SDK's `tlsOptions.ca` (or NODE_EXTRA_CA_CERTS). Files are reused
 * across restarts so a client that already read the CA keeps working.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface EmulatorTls {
  caCertFile: string;
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

function stillValid(pem: string): boolean {
  try {
    const cert = new X509Certificate(pem);
    return new Date(cert.validTo).getTime() > Date.now() + 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

export async function loadOrCreateTls(stateDir: string): Promise<EmulatorTls> {
  mkdirSync(stateDir, { recursive: true });
  const caCertFile = path.resolve(stateDir, 'emulator-ca.pem');
  const caKeyFile = path.resolve(stateDir, 'emulator-ca-key.pem');
  const certFile = path.resolve(stateDir, 'emulator-server.pem');
  const keyFile = path.resolve(stateDir, 'emulator-server-key.pem');
  if ([caCertFile, caKeyFile, certFile, keyFile].every((f) => existsSync(f))) {
    const caCertPem = readFileSync(caCertFile, 'utf8');
    const serverCertPem = readFileSync(certFile, 'utf8');
    if (stillValid(caCertPem) && stillValid(serverCertPem)) {
      return { caCertFile, caCertPem, serverCertPem, serverKeyPem: readFileSync(keyFile, 'utf8') };
    }
  }
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'friday-fleet local ARM emulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    curve: 'P-256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    curve: 'P-256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  // Private keys stay readable by the owner only.
  writeFileSync(caKeyFile, ca.private, { mode: 0o600 });
  writeFileSync(keyFile, server.private, { mode: 0o600 });
  writeFileSync(certFile, server.cert);
  writeFileSync(caCertFile, ca.cert);
  return { caCertFile, caCertPem: ca.cert, serverCertPem: server.cert, serverKeyPem: server.private };
}
