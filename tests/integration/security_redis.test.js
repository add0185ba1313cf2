// Redis AUTH: against a redis-server whose default user has a password and
// whose "ringside" ACL user may only XADD (and PING) on ringside:* keys,
// the daemon with that user and its password_file publishes labels; with a
// wrong password it publishes nothing, says "AUTH refused: WRONGPASS" once,
// reports itself not connected, refuses labels with publish_failed, and
// retries with backoff rather than in a loop.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('../lib/harness');

const ADMIN_PW = 'admin-pw-for-the-test-client';
const RINGSIDE_PW = 'ringside-pw-0123456789';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-redis-auth-'));
const pwPath = path.join(dir, 'redis.pw');
fs.writeFileSync(pwPath, `${RINGSIDE_PW}\n`, { mode: 0o600 });
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

h.runTest('security-redis', {
  redisArgs: ['--requirepass', ADMIN_PW,
    '--user', 'ringside', 'on', `>${RINGSIDE_PW}`, '~ringside:*', '-@all', '+xadd', '+ping'],
  redisClient: { password: ADMIN_PW },
  redisConf: `user = ringside\npassword_file = ${pwPath}`,
}, async (stack) => {
  const metric = async (name) => {
    const line = (await h.httpGet(`${stack.httpUrl}/metrics`)).body.split('\n')
      .find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ').pop()) : NaN;
  };

  // The right user and password: connected, labels flow.
  await h.waitFor('redis connected', async () => (await metric('ringside_redis_connected')) === 1);
  const r = await stack.reviewer('alice');
  await r.next('welcome');
  const first = (await r.next('task', 15000)).task;
  const id1 = h.labelId();
  r.submit({ labelId: id1, windowId: first.window.id, classes: ['none'] });
  const ack = await r.next(['ack', 'error']);
  h.assert(ack.msg === 'ack', `label acked (${JSON.stringify(ack.error)})`);
  h.assertEq((await stack.waitForLabels(1)).map((l) => l.label.labelId), [id1], 'label stored');
  h.assertEq(await metric('ringside_redis_auth_failures_total'), 0, 'no AUTH refused');
  // The ACL really binds that user: it may not read.
  const acl = await stack.client.call('ACL', 'DRYRUN', 'ringside', 'XRANGE', 'ringside:labels', '-', '+');
  h.assert(/no permissions/i.test(String(acl)), `the ringside user cannot read (${acl})`);
  r.close();

  // A wrong password: nothing is published, the log says why, once.
  await h.stopProcess(stack.daemon);
  fs.writeFileSync(pwPath, 'not-the-password\n', { mode: 0o600 });
  await stack.startDaemon();
  await h.waitFor('AUTH refused in the log', async () =>
    /redis 127\.0\.0\.1:\d+: AUTH refused: WRONGPASS/.test(stack.daemonLog()), 5000);
  h.assertEq(await metric('ringside_redis_connected'), 0, 'not connected');
  const r2 = await stack.reviewer('bob');
  await r2.next('welcome');
  const second = (await r2.next('task', 15000)).task;
  r2.submit({ labelId: h.labelId(), windowId: second.window.id, classes: ['none'] });
  const refused = await r2.next(['ack', 'error']);
  h.assertEq([refused.msg, refused.error && refused.error.code], ['error', 'publish_failed'],
    'no ack without Redis');
  h.assert(/redis not connected/.test(refused.error.message), refused.error.message);
  await h.sleep(3000);
  h.assertEq((await stack.readStream('ringside:labels')).length, 1, 'nothing more published');
  const tries = await metric('ringside_redis_auth_failures_total');
  // 100, 200, 400, 800, 1600 ms ... between attempts: a handful, not thousands.
  h.assert(tries >= 2 && tries <= 15, `AUTH retried with backoff (${tries} attempts)`);
  const lines = stack.daemonLog().split('\n').filter((l) => /AUTH refused/.test(l));
  h.assertEq(lines.length, 1, 'said once, not once per attempt');
  h.assert(!stack.daemonLog().includes('not-the-password'), 'the password is not logged');

  // Fixed password file + restart: connected again, the label goes through.
  await h.stopProcess(stack.daemon);
  fs.writeFileSync(pwPath, `${RINGSIDE_PW}\n`, { mode: 0o600 });
  await stack.startDaemon();
  await h.waitFor('redis connected', async () => (await metric('ringside_redis_connected')) === 1);
});
