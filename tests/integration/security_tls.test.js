// TLS: with tls_cert/tls_key the one port speaks https and wss only, with
// TLS 1.2 or 1.3. A reviewer connects over wss and is welcomed; a TLS 1.1
// client is refused (by a Node client that can speak TLS 1.1, as a control
// server shows, and by openssl s_client -tls1_1); plain http on the port
// gets no page; a certificate the client does not trust is refused.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const tls = require('tls');
const h = require('../lib/harness');

const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-tls-'));
const certPath = path.join(certDir, 'cert.pem');
const keyPath = path.join(certDir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
  '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1',
  '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
fs.chmodSync(keyPath, 0o600);
const ca = fs.readFileSync(certPath);
process.on('exit', () => fs.rmSync(certDir, { recursive: true, force: true }));

// Connects with TLS limited to VERSION; resolves 'ok TLSv1.x' or 'refused: why'.
function tlsTry(port, version, extra = {}) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, minVersion: version, maxVersion: version,
      ciphers: 'DEFAULT:@SECLEVEL=0', ca, servername: '', ...extra }, () => {
      const v = s.getProtocol();
      s.destroy();
      resolve(`ok ${v}`);
    });
    s.setTimeout(3000, () => s.destroy(new Error('timeout')));
    s.on('error', (e) => resolve(`refused: ${e.message}`));
  });
}

function sClient(port, flag) {
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, flag,
    '-cipher', 'DEFAULT:@SECLEVEL=0', '-CAfile', certPath], { input: '', timeout: 5000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function rawPlain(port) {
  return new Promise((resolve) => {
    let data = '';
    const s = net.connect(port, '127.0.0.1', () =>
      s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    s.setTimeout(3000, () => s.destroy());
    s.on('data', (c) => { data += c.toString('latin1'); });
    s.on('close', () => resolve(data));
    s.on('error', () => {});
  });
}

h.runTest('security-tls', {
  tls: { ca },
  daemonConf: `tls_cert = ${certPath}\ntls_key = ${keyPath}`,
}, async (stack) => {
  const port = stack.ports.http;

  // wss: welcome, then a task, over TLS the client verified.
  const r = await stack.reviewer('alice');
  h.assertEq((await r.next('welcome')).welcome.reviewer, 'alice', 'welcomed over wss');
  h.assert(r.ws._socket.getProtocol && /^TLSv1\.[23]$/.test(r.ws._socket.getProtocol()),
    `the websocket runs on TLS 1.2+ (${r.ws._socket.getProtocol && r.ws._socket.getProtocol()})`);
  const page = await h.httpGet(`${stack.httpUrl}/`, 2000, { ca });
  h.assertEq(page.status, 200, 'GET / over https');
  h.assert(/<html/i.test(page.body), 'the page over https');

  // Old protocol versions: refused. The control shows this client can
  // speak TLS 1.1 when a server allows it.
  const control = tls.createServer({ key: fs.readFileSync(keyPath), cert: ca, minVersion: 'TLSv1',
    ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
  await new Promise((res) => control.listen(0, '127.0.0.1', res));
  const ctl = await tlsTry(control.address().port, 'TLSv1.1');
  control.close();
  h.assertEq(ctl, 'ok TLSv1.1', 'control: the client speaks TLS 1.1 to a server that allows it');
  for (const v of ['TLSv1', 'TLSv1.1']) {
    const got = await tlsTry(port, v);
    h.assert(got.startsWith('refused'), `${v} refused by ringsided (${got})`);
  }
  for (const v of ['TLSv1.2', 'TLSv1.3']) {
    h.assertEq(await tlsTry(port, v), `ok ${v}`, `${v} accepted`);
  }
  const old = sClient(port, '-tls1_1');
  h.assert(old.status !== 0 && !/Cipher is (?!\(NONE\))/.test(old.out),
    `openssl s_client -tls1_1 refused:\n${old.out}`);
  const modern = sClient(port, '-tls1_2');
  h.assert(modern.status === 0 && /Protocol\s*: TLSv1\.2/.test(modern.out) &&
    /Verify return code: 0/.test(modern.out), `openssl s_client -tls1_2 accepted:\n${modern.out}`);
  h.assert(/Cipher is ECDHE-ECDSA-(AES\d+-GCM|CHACHA20)/.test(modern.out),
    'TLS 1.2 uses a forward-secret AEAD suite');

  // A client that does not trust the certificate does not get in.
  const untrusted = await tlsTry(port, 'TLSv1.3', { ca: undefined });
  h.assert(/self.signed|unable to verify/i.test(untrusted), `untrusted certificate (${untrusted})`);

  // Plain http on the TLS port: no page.
  const plain = await rawPlain(port);
  h.assert(!/<html/i.test(plain) && !/^HTTP\/1\.1 200/.test(plain),
    `plain http gets no page (${JSON.stringify(plain.slice(0, 80))})`);
  const plainWs = await new Promise((resolve) => {
    const ws = new (require('ws'))(`ws://127.0.0.1:${port}/`, 'ringside.v1');
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('error', (e) => resolve(`refused: ${e.message}`));
  });
  h.assert(plainWs.startsWith('refused'), `plain ws refused (${plainWs})`);

  // Everyone else was served throughout.
  await r.next('task', 15000);
});
