// Device clocks: two sensors whose clocks are 5 s off and run 100 ppm fast,
// one over UDP and one over TCP, are put on the timeline by clock =
// estimate: their spikes, made at whole seconds of true time, reach the
// reviewer within 1 ms of a whole second. A bad TCP frame closes only its
// own connection; the other keeps streaming.
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const h = require('../lib/harness');

const CHANNELS = 'ax,ay,az';
const NS = 1000000000n;
const MAX_ERR_NS = 1000000n; // 1 ms

function config(p, tcpPort) {
  const sensor = (name, listen, extra) => `[source ${name}]
kind = sensor
listen = ${listen}
channels = ${CHANNELS}
clock = estimate
ring_seconds = 20
${extra}
`;
  return `[daemon]
listen = 127.0.0.1:${p.http}

[redis]
port = ${p.redis}

${sensor('udpimu', `127.0.0.1:${p.sensor}`, '')}
${sensor('tcpimu', `127.0.0.1:${tcpPort}`, 'transport = tcp')}
[group g]
sources = udpimu,tcpimu
window_seconds = 1.5
every_seconds = 2
lateness_ms = 500
classes = none,spike
time_box_seconds = 30
queue_max = 8

[reviewer alice]
token = ${h.TOKENS.alice}
`;
}

function metricValue(text, name, labels) {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

async function metrics(stack) {
  return (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
}

// Distance of T (ns, BigInt) from the nearest whole second.
function offWholeSecond(t) {
  const frac = t % NS;
  return frac < NS - frac ? frac : NS - frac;
}

// Spikes of every source in WINDOW: { source: [tNs BigInt, ...] }.
function spikes(window) {
  const out = {};
  for (const s of window.sources) {
    out[s.source] = s.samples.filter((x) => x.values[0] > 5).map((x) => BigInt(x.tNs));
  }
  return out;
}

async function main() {
  const tcpPort = await h.freePort();
  const senders = [];
  await h.runTest('sensor-clock', { sensor: false, config: (p) => config(p, tcpPort) },
    async (stack) => {
      const start = (name, port, extra) => {
        const p = h.startProcess(stack.dir, name, path.join(h.BIN, 'ringside-sensor'),
          ['--to', `127.0.0.1:${port}`, '--channels', CHANNELS, '--rate', '200',
            '--test-signal', 'spikes', '--clock-offset-ms', '5000', '--drift-ppm', '100',
            '--device', name, ...extra]);
        senders.push(p);
        return p;
      };
      try {
        start('dev-udp', stack.ports.sensor, []);
        start('dev-tcp', tcpPort, ['--transport', 'tcp']);

        // Both estimates are fitted (3 s of arrivals) and logged.
        await h.waitFor('both clock estimates established', () => {
          const log = stack.daemonLog();
          return /source udpimu device dev-udp: clock estimate established/.test(log) &&
            /source tcpimu device dev-tcp: clock estimate established/.test(log);
        }, 15000, 100);
        const fittedAt = BigInt(Date.now()) * 1000000n;

        const r = await stack.reviewer('alice');
        await r.next('welcome');
        // Windows cut after the fit: every spike of both sources within 1 ms.
        const check = async (what, want) => {
          for (let seen = 0; seen < want;) {
            const { task } = await r.next('task', 15000);
            const w = task.window;
            r.submit({ labelId: h.labelId(), windowId: w.id, classes: ['none'] });
            const ack = await r.next(['ack', 'error']);
            h.assert(ack.msg === 'ack', `label acked (${JSON.stringify(ack.error)})`);
            if (BigInt(w.startNs) < fittedAt) continue;
            const sp = spikes(w);
            for (const src of ['udpimu', 'tcpimu']) {
              h.assert((sp[src] || []).length > 0, `${what}: window ${w.id} has spikes of ${src}`);
              for (const t of sp[src]) {
                const off = offWholeSecond(t);
                h.log(`${what}: ${src} spike at ${t}: ${Number(off) / 1e3} µs from the second`);
                h.assert(off < MAX_ERR_NS,
                  `${what}: ${src} spike at ${t} is ${Number(off) / 1e6} ms from a whole second`);
              }
            }
            seen++;
          }
        };
        await check('estimated', 3);

        const m = await metrics(stack);
        for (const [src, dev] of [['udpimu', 'dev-udp'], ['tcpimu', 'dev-tcp']]) {
          const labels = `source="${src}",device="${dev}"`;
          const offset = metricValue(m, 'ringside_sensor_clock_offset_seconds', labels);
          const drift = metricValue(m, 'ringside_sensor_clock_drift_ppm', labels);
          h.log(`${src}: offset ${offset} s, drift ${drift} ppm`);
          h.assert(offset !== undefined && Math.abs(offset + 5) < 0.01,
            `${src}: offset ${offset} s is the device's -5 s`);
          // After ~10 s a 100 ppm drift is only 1 ms of change, so the
          // reading is coarse (scheduling noise on a loaded machine moves
          // it by tens of ppm); the alignment checks above are the bound.
          h.assert(drift !== undefined && Math.abs(drift - 100) < 60,
            `${src}: drift ${drift} ppm is near the device's 100 ppm`);
          h.assertEq(metricValue(m, 'ringside_sensor_clock_resets_total', `source="${src}"`), 0,
            `${src}: no restarts`);
        }
        h.assertEq(metricValue(m, 'ringside_sensor_connections', 'source="tcpimu"'), 1,
          'the sender is connected');

        // A frame longer than any SensorBatch: that connection is closed,
        // with a line naming it.
        const bad = net.connect(tcpPort, '127.0.0.1');
        await new Promise((res, rej) => { bad.once('connect', res); bad.once('error', rej); });
        const badPort = bad.localPort;
        const closed = new Promise((res) => bad.once('close', res));
        bad.on('error', () => {});
        bad.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
        await Promise.race([closed, h.sleep(5000).then(() => {
          throw new Error('the bad connection was not closed');
        })]);
        await h.waitFor('the closing logged', () => new RegExp(
          `source tcpimu: TCP connection from 127\\.0\\.0\\.1:${badPort} closed: ` +
          'frame length 4294967295 over the limit').test(stack.daemonLog()), 5000);
        const m2 = await metrics(stack);
        h.assertEq(metricValue(m2, 'ringside_sensor_framing_errors_total', 'source="tcpimu"'), 1,
          'framing error counted');
        h.assertEq(metricValue(m2, 'ringside_sensor_connections', 'source="tcpimu"'), 1,
          'the sender is still connected');
        // ... and still delivering, on time.
        await check('after the bad frame', 1);
      } finally {
        for (const p of senders) await h.stopProcess(p);
      }
      for (const p of senders) {
        h.assert(p.exitCode === 0, `${path.basename(p.logPath)} exited with 0`);
      }
      // The TCP sender never had to reconnect.
      const tcpLog = fs.readFileSync(senders[1].logPath, 'utf8');
      h.assert(/over TCP: frames \d+, readings \d+, send errors 0, .*connections 1$/m.test(tcpLog),
        `the TCP sender kept its one connection:\n${tcpLog}`);
    });
}

main();
