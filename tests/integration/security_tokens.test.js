// Signed tokens over the websocket: a token minted by ringside-token signs
// its reviewer in with its role and can label; an expired, forged, altered,
// foreign, malformed or unknown token is refused with close 1008 and its
// reason; revoking a token (revoked_tokens_file) refuses it at the next
// hello and closes the session that uses it; a token that expires during
// a session ends it. /metrics with metrics_require_admin wants an admin's
// bearer token.
'use strict';
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('../lib/harness');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-tokens-'));
const secretPath = path.join(dir, 'token.secret');
const revokedPath = path.join(dir, 'revoked');
fs.writeFileSync(secretPath, `${crypto.randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
fs.writeFileSync(revokedPath, '# revoked tokens\n');
const secret = fs.readFileSync(secretPath, 'utf8').replace(/\r?\n$/, '');
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const nowS = () => Math.floor(Date.now() / 1000);

// ringside-token, as an operator runs it: the token on stdout, its id on stderr.
function mint(reviewer, role, ttl = '1h') {
  const out = execFileSync(path.join(h.BIN, 'ringside-token'), ['--secret-file', secretPath,
    '--reviewer', reviewer, '--role', role, '--ttl', ttl], { stdio: ['ignore', 'pipe', 'pipe'] });
  const token = out.toString().trim();
  const id = execFileSync(path.join(h.BIN, 'ringside-token'), ['--id-of', token]).toString().trim();
  return { token, id };
}

// The format of docs/security.md, written independently of the C code.
function craft(reviewer, role, issued, expiry, key = secret) {
  const body = `v1.${reviewer}.${role}.${issued}.${expiry}`;
  return `${body}.${crypto.createHmac('sha256', key).update(body).digest('base64url')}`;
}

// TOKEN with another (canonical) last MAC character: a forged signature.
const flipLast = (token) => `${token.slice(0, -1)}${token.endsWith('A') ? 'E' : 'A'}`;

// Says hello with TOKEN; resolves {code, reason, error} once the daemon closes.
async function refused(stack, token) {
  const r = new h.Reviewer(stack.wsUrl, token);
  await r.open();
  const error = await r.next('error', 5000);
  const closed = await Promise.race([r.closedP, h.sleep(5000).then(() => null)]);
  h.assert(closed, `the connection with ${token.slice(0, 40)}… is closed`);
  return { code: closed.code, reason: closed.reason, error: error.error };
}

h.runTest('security-tokens', {
  daemonConf: `token_secret_file = ${secretPath}\nrevoked_tokens_file = ${revokedPath}\n` +
    'metrics_require_admin = true',
}, async (stack) => {
  const admin = mint('ops', 'admin');
  const metricsAs = (token) => h.httpGet(`${stack.httpUrl}/metrics`, 2000,
    token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const metric = async (name) => {
    const line = (await metricsAs(admin.token)).body.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ').pop()) : NaN;
  };

  // /metrics: only an admin.
  const anon = await metricsAs(null);
  h.assertEq(anon.status, 401, '/metrics without a token');
  h.assert(/^Bearer/.test(anon.headers['www-authenticate'] || ''), 'WWW-Authenticate: Bearer');
  h.assert(!/ringside_connections/.test(anon.body), 'no metrics in the refusal');
  const dave = mint('dave', 'expert');
  h.assertEq((await metricsAs(dave.token)).status, 401, '/metrics with an expert token');
  h.assertEq((await metricsAs(h.TOKENS.alice)).status, 401, '/metrics with a reviewer token');
  h.assertEq((await metricsAs(flipLast(admin.token))).status, 401,
    '/metrics with a forged admin token');
  const ok = await metricsAs(admin.token);
  h.assertEq(ok.status, 200, '/metrics with an admin token');
  h.assert(/^ringside_connections /m.test(ok.body), 'metrics for the admin');
  h.assertEq((await h.httpGet(`${stack.httpUrl}/healthz`)).status, 200, '/healthz stays open');

  // The documented format: the same HMAC computed here.
  const [v, who, role, issued, expiry] = dave.token.split('.');
  h.assertEq(craft(who, role, issued, expiry), dave.token, 'token = v1.reviewer.role.issued.expiry.mac');
  h.assertEq([v, who, role], ['v1', 'dave', 'expert'], 'token fields');
  h.assert(Number(expiry) - Number(issued) === 3600, 'ttl 1h');

  // A good signed token: signed in with its role, and labels.
  const rd = await stack.reviewer('dave', { token: dave.token });
  h.assertEq((await rd.next('welcome')).welcome.reviewer, 'dave', 'dave welcomed');
  await h.waitFor('the connect line', async () =>
    stack.daemonLog().includes(`reviewer dave connected (ringside-test/1) as expert, token ${dave.id}`));
  const { task } = await rd.next('task', 15000);
  rd.submit({ labelId: h.labelId(), windowId: task.window.id, classes: ['none'] });
  h.assertEq((await rd.next(['ack', 'error'])).msg, 'ack', 'dave\'s label acked');
  h.assertEq((await stack.waitForLabels(1))[0].label.reviewer, 'dave', 'label says dave');

  // Each refusal, with its reason.
  const t = nowS();
  const cases = [
    [craft('dave', 'expert', t - 7200, t - 3600), 'token expired'],
    [dave.token.replace('.expert.', '.admin.'), 'token signature invalid'],
    [dave.token.replace(/\.(\d+)\.(\d+)\./, (m, a, b) => `.${a}.${Number(b) + 86400}.`),
      'token signature invalid'],
    [craft('dave', 'admin', t, t + 3600, crypto.randomBytes(48).toString('base64')),
      'token signature invalid'],
    [flipLast(dave.token), 'token signature invalid'],
    ['v1.dave.expert.12', 'token malformed'],
    [`${dave.token}.x`, 'token malformed'],
    [`v1.dave.expert.${t}.${t + 60}.${'A'.repeat(300)}`, 'token malformed'],
    ['test-mallory-0123456789abcdef', 'unknown token'],
  ];
  for (const [token, reason] of cases) {
    const got = await refused(stack, token);
    h.assertEq([got.code, got.reason, got.error.code, got.error.message],
      [1008, reason, 'unauthorized', reason], `refused: ${reason}`);
  }

  // Revocation: by token id, the live session ends and the hello is refused.
  const erin = mint('erin', 'reviewer');
  const re = await stack.reviewer('erin', { token: erin.token });
  await re.next('welcome');
  fs.appendFileSync(revokedPath, `token ${erin.id}   # lost laptop\n`);
  const reClosed = await Promise.race([re.closedP, h.sleep(5000).then(() => null)]);
  h.assertEq(reClosed && [reClosed.code, reClosed.reason], [1008, 'token revoked'],
    'the revoked token\'s session is closed');
  h.assertEq((await refused(stack, erin.token)).reason, 'token revoked', 'its hello is refused');
  // by reviewer: tokens issued before a time
  const frank = mint('frank', 'reviewer');
  fs.appendFileSync(revokedPath, `reviewer frank ${nowS() + 1}\n`);
  h.assertEq((await refused(stack, frank.token)).reason, 'token revoked', 'frank\'s older token');
  h.assertEq(rd.closed, null, 'dave, not revoked, is still connected');

  // A token that runs out during the session ends it.
  const gina = craft('gina', 'reviewer', nowS() - 10, nowS() + 2);
  const rg = await stack.reviewer('gina', { token: gina });
  await rg.next('welcome');
  const rgClosed = await Promise.race([rg.closedP, h.sleep(6000).then(() => null)]);
  h.assertEq(rgClosed && [rgClosed.code, rgClosed.reason], [1008, 'token expired'],
    'the session ends when its token expires');

  h.assertEq(await metric('ringside_auth_refused_total{reason="expired"}'), 1, 'expired counted');
  h.assertEq(await metric('ringside_auth_refused_total{reason="signature"}'), 4, 'forged counted');
  h.assertEq(await metric('ringside_auth_refused_total{reason="malformed"}'), 3, 'malformed counted');
  h.assertEq(await metric('ringside_auth_refused_total{reason="unknown"}'), 1, 'unknown counted');
  h.assertEq(await metric('ringside_auth_refused_total{reason="revoked"}'), 2, 'revoked counted');
  h.assertEq(await metric('ringside_reviewers_signed_in'), 1, 'only dave is signed in');
});
