// A crash loses nothing acknowledged and leaves no window unaccounted for:
// ringsided is killed (SIGKILL) while the spool holds acknowledged labels
// and a window is assigned; after a restart the labels reach Redis, and the
// assigned window gets an Expired record with reason "crashed".
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('../lib/harness');

async function metric(stack, name) {
  const body = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  const m = body.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

h.runTest('spool-crash', { everySeconds: 2, timeBoxSeconds: 120, queueMax: 50, spoolDir: true },
  async (stack) => {
    const r = await stack.reviewer('alice');
    await r.next('welcome');
    await h.stopProcess(stack.redis.proc, 'SIGKILL');
    await h.waitFor('the daemon to notice', async () =>
      (await metric(stack, 'ringside_redis_connected')) === 0, 5000);

    const acked = [];
    for (let i = 0; i < 2; i++) {
      const { task } = await r.next('task', 40000);
      const labelId = h.labelId();
      r.submit({ labelId, windowId: task.window.id, classes: ['square'] });
      const reply = await r.next(['ack', 'error']);
      h.assertEq([reply.msg, reply.ack && reply.ack.streamId], ['ack', 'spooled'],
        `label ${i} acknowledged from the spool`);
      acked.push({ labelId, windowId: task.window.id });
    }
    const open = (await r.next('task', 40000)).task.window;
    // The list of open windows is written within a fraction of a second.
    const listPath = path.join(stack.spoolDir, 'windows');
    await h.waitFor('the assigned window in the list', async () =>
      fs.existsSync(listPath) && fs.readFileSync(listPath, 'utf8').includes(`${open.id}\t`), 5000);

    stack.daemon.kill('SIGKILL');
    h.assertEq((await stack.daemon.exited).sig, 'SIGKILL', 'killed');
    r.close();

    // Restarted with Redis still away: the spool is read back whole.
    await stack.startDaemon();
    await h.waitFor('the spool read back', async () =>
      (await metric(stack, 'ringside_spool_records')) >= 3, 5000);
    h.assert(/expiring them \(crashed\)/.test(stack.daemonLog()), 'the restart says so');

    stack.redis.proc = h.startProcess(stack.dir, 'redis2', 'redis-server', ['--port',
      String(stack.ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', stack.dir]);
    await h.waitFor('the spool to be replayed', async () =>
      (await metric(stack, 'ringside_redis_connected')) === 1 &&
      (await metric(stack, 'ringside_spool_records')) === 0, 20000, 100);

    const labels = await stack.waitForLabels(2);
    h.assertEq(labels.map((l) => l.label.labelId), acked.map((l) => l.labelId),
      'every acknowledged label exactly once, in order');

    const expired = await stack.readStream('ringside:expired');
    const crashed = expired.filter((e) => e.pb.reason === 'crashed');
    const mine = crashed.filter((e) => e.pb.windowId === open.id);
    h.assertEq(mine.length, 1, `one crashed record for ${open.id}`);
    h.assertEq(mine[0].fields.reason, 'crashed', 'readable reason');
    h.assertEq(mine[0].pb.reviewers, ['alice'], 'who had it');
    h.assertEq(mine[0].pb.attempts, 1, 'offers made');
    h.assertEq([mine[0].pb.startNs, mine[0].pb.endNs], [open.startNs, open.endNs], 'its span');
    for (const a of acked) {
      h.assert(!crashed.some((e) => e.pb.windowId === a.windowId),
        `labeled window ${a.windowId} is not expired`);
    }
    // Once stored, the windows leave the list.
    await h.waitFor('the list emptied of crashed windows', async () =>
      !fs.readFileSync(listPath, 'utf8').includes(`${open.id}\t`), 5000);
  });
