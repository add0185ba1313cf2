// Nothing acknowledged is lost, whatever dies: 200 scripted reviewers
// (clients/ringside-load) label as fast as windows come while redis-server
// and then ringsided are frozen, killed with SIGKILL and restarted. Each
// reviewer thinks 0-200 ms per task, so labels are always on their way:
// some are caught in a frozen daemon and must be sent again. Every label_id
// acknowledged to a reviewer must end up in the label stream, exactly once
// after deduplication by label_id.
//
// Redis runs with appendfsync always (an entry it answered survives its
// death); ringsided has a spool (acknowledges what Redis cannot take once
// it is fsync'd, replays it later, also after its own restart).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('../lib/harness');

const REVIEWERS = 200;
const GROUPS = 100; // 1,000 windows/s: one label per window
const RUN_S = 40;
const TOKEN = 'chaos-token-0123456789-';
const LOAD = path.join(h.BIN, 'ringside-load');

function config(p, spoolDir) {
  let s = `[daemon]
listen = 127.0.0.1:${p.http}
[redis]
port = ${p.redis}
[spool]
dir = ${spoolDir}
[source imu]
kind = sensor
listen = 127.0.0.1:${p.sensor}
channels = ax,ay,az
ring_seconds = 10
`;
  for (let g = 0; g < GROUPS; g++) {
    s += `[group g${g}]
sources = imu
window_seconds = 0.1
every_seconds = 0.1
lateness_ms = 100
classes = none,square,circle
time_box_seconds = 20
queue_max = 8
queue_timeout_seconds = 10
`;
  }
  for (let i = 0; i < REVIEWERS; i++) s += `[reviewer r${i}]\ntoken = ${TOKEN}${i}\n`;
  return s;
}

// redis-server on the stack's port that loses nothing it answered.
async function startDurableRedis(stack, name) {
  const proc = h.startProcess(stack.dir, name, 'redis-server', ['--port', String(stack.ports.redis),
    '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
    '--dir', stack.dir]);
  await h.waitFor(`${name} to answer`, async () => (await stack.client.ping()) === 'PONG', 15000);
  return proc;
}

async function redisConnected(stack) {
  const m = await h.httpGet(`${stack.httpUrl}/metrics`);
  return /^ringside_redis_connected 1$/m.test(m.body);
}

function ackedIds(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

// Label ids in the stream: how many entries carry each.
async function streamLabelIds(stack) {
  const counts = new Map();
  let start = '-';
  for (;;) {
    const entries = await stack.client.xrange('ringside:labels', start, '+', 'COUNT', 10000);
    for (const [, flat] of entries) {
      const f = {};
      for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
      if (f.type === 'label') counts.set(f.label_id, (counts.get(f.label_id) || 0) + 1);
    }
    if (entries.length < 10000) break;
    start = `(${entries[entries.length - 1][0]}`;
  }
  return counts;
}

// The config is written before the stack's directory is known: the spool
// gets its own, removed at exit.
const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-chaos-spool-'));
process.on('exit', () => {
  if (!process.env.RINGSIDE_KEEP) fs.rmSync(spoolDir, { recursive: true, force: true });
});

h.runTest('chaos', { config: (p) => config(p, spoolDir) }, async (stack) => {
  // The harness's redis keeps nothing on disk: swap in a durable one.
  await h.stopProcess(stack.redis.proc);
  stack.redis.proc = await startDurableRedis(stack, 'redis-durable');
  await h.waitFor('ringsided to reach Redis', () => redisConnected(stack), 15000);

  const ackedLog = path.join(stack.dir, 'acked.txt');
  const load = h.startProcess(stack.dir, 'load', LOAD, ['--url', stack.wsUrl,
    '--token-prefix', TOKEN, '--reviewers', String(REVIEWERS), '--duration', String(RUN_S),
    '--think-ms', '100', '--think-jitter-ms', '100',
    '--drain', '30', '--acked-log', ackedLog, '--report-json', '--progress', '5']);
  const t0 = Date.now();
  const at = (s) => h.sleep(Math.max(0, t0 + s * 1000 - Date.now()));

  // Each victim is frozen (SIGSTOP) for a second before SIGKILL, so that
  // requests are caught half way: XADDs sent and never answered, labels
  // submitted and never acknowledged.
  await at(8);
  const beforeRedisKill = ackedIds(ackedLog).length;
  h.log(`SIGSTOP, then SIGKILL redis-server (${beforeRedisKill} labels acknowledged so far)`);
  stack.redis.proc.kill('SIGSTOP');
  await h.sleep(1000);
  await h.stopProcess(stack.redis.proc, 'SIGKILL');
  await at(12);
  const duringOutage = ackedIds(ackedLog).length;
  h.log(`restarting redis-server (${duringOutage} acknowledged)`);
  stack.redis.proc = await startDurableRedis(stack, 'redis-restarted');
  await h.waitFor('ringsided to reconnect to Redis', () => redisConnected(stack), 15000);

  await at(22);
  const beforeDaemonKill = ackedIds(ackedLog).length;
  h.log(`SIGSTOP, then SIGKILL ringsided (${beforeDaemonKill} acknowledged)`);
  stack.daemon.kill('SIGSTOP');
  await h.sleep(1000);
  await h.stopProcess(stack.daemon, 'SIGKILL');
  await h.sleep(1000);
  await stack.startDaemon();
  h.log('ringsided restarted with the same config and spool');

  const exit = await Promise.race([load.exited, h.sleep((RUN_S + 60) * 1000).then(() => null)]);
  h.assert(exit, 'ringside-load finished');
  const logText = fs.readFileSync(load.logPath, 'utf8');
  const reportLine = logText.split('\n').filter((l) => l.startsWith('{')).pop();
  h.assert(exit.code === 0 && reportLine, `ringside-load exited ${exit.code} with a report`);
  const report = JSON.parse(reportLine);

  // Everything spooled reaches Redis once the daemon has replayed it.
  const acked = ackedIds(ackedLog);
  let counts;
  let missing = [];
  await h.waitFor('every acknowledged label in the stream', async () => {
    counts = await streamLabelIds(stack);
    missing = acked.filter((id) => !counts.has(id));
    return missing.length === 0;
  }, 30000, 500).catch(() => {});

  const ackedSet = new Set(acked);
  let duplicates = 0;
  let storedNotAcked = 0;
  for (const [id, n] of counts) {
    duplicates += n - 1;
    if (!ackedSet.has(id)) storedNotAcked++;
  }
  h.log(`acked ${acked.length} (unique ${ackedSet.size}), in Redis ${acked.length - missing.length}, ` +
    `duplicates ${duplicates}, missing ${missing.length}; stored but never acked ${storedNotAcked}; ` +
    `load: ${report.labels_per_s.toFixed(0)} labels/s, reconnects ${report.reconnects}, ` +
    `resent ${report.labels_resent}, dropped ${report.labels_dropped}, unacked ${report.labels_unacked}, ` +
    `errors ${JSON.stringify(report.errors)}`);

  h.assertEq(ackedSet.size, acked.length, 'each label acknowledged once');
  h.assert(acked.length >= 2000, `a flood of labels (${acked.length} acknowledged)`);
  h.assert(duringOutage > beforeRedisKill,
    `labels acknowledged while Redis was dead (spooled): ${beforeRedisKill} -> ${duringOutage}`);
  h.assert(acked.length > beforeDaemonKill + 1000,
    `labels acknowledged after ringsided came back: ${beforeDaemonKill} -> ${acked.length}`);
  h.assertEq(report.labels_unacked, 0, 'every label acknowledged or refused by the end of the drain');
  h.assert(report.reconnects >= REVIEWERS,
    `every reviewer reconnected after the daemon died (${report.reconnects} reconnects)`);
  h.assertEq(missing.slice(0, 10), [], `acknowledged labels missing from the stream (${missing.length})`);
});
