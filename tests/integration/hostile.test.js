// Hostile and broken clients: a websocket without the subprotocol, a
// connection that never says hello, one that floods without reading,
// unknown protobuf fields smuggled into a label, a sensor timestamp from
// the future. Each is refused or contained; everyone else is served.
'use strict';
const dgram = require('dgram');
const WebSocket = require('ws');
const h = require('../lib/harness');

const metric = async (stack, name) => {
  const body = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : NaN;
};

// The flooder must fill its send queue, not hit the message rate limit
// first (security.test.js tries that one).
h.runTest('hostile', { everySeconds: 2, sendQueueBytes: '256K', maxMessagesPerSecond: 1000000 },
  async (stack) => {
  // No subprotocol: refused.
  const bare = new WebSocket(stack.wsUrl);
  const bareClosed = await new Promise((resolve) => {
    bare.on('close', (code) => resolve(code));
    bare.on('error', () => {});
  });
  h.assert(bareClosed !== 1000, `a websocket without ringside.v1 is refused (${bareClosed})`);

  // Never says hello: dropped after the hello timeout (10 s).
  const mute = new h.Reviewer(stack.wsUrl, '');
  await mute.open({ hello: false });

  // Floods errors without reading: its send queue passes the cap, it is
  // dropped, and its window goes to someone who reads.
  const flood = await stack.reviewer('carol');
  await flood.next('welcome');
  const held = (await flood.next('task', 15000)).task;
  flood.ws._socket.pause();
  // Each garbage frame earns an error reply; past the kernel's socket
  // buffers (several MB on loopback) the replies queue in the daemon.
  const junk = Buffer.alloc(8, 0xff);
  for (let i = 0; i < 200000; i++) flood.sendRaw(junk);
  await h.waitFor('the flooder to be dropped', async () =>
    (await metric(stack, 'ringside_send_overflow_total')) >= 1, 10000);
  const bob = await stack.reviewer('bob');
  await bob.next('welcome');
  const t = (await bob.next('task', 10000)).task;
  h.assertEq([t.window.id, t.attempt], [held.window.id, 1], 'the flooder\'s window goes to bob');

  // Unknown fields in a submitted label never reach Redis.
  const label = h.T.Label.encode(h.T.Label.fromObject({ labelId: h.labelId(),
    windowId: t.window.id, classes: ['none'] })).finish();
  // Field 99 (no field of Label), length-delimited: tag (99 << 3) | 2 = 794.
  const smuggled = Buffer.concat([Buffer.from(label), Buffer.from([0x9a, 0x06, 8]),
    Buffer.from('smuggled')]);
  // ClientMessage.submit (field 2) { Submit.label (field 1) { ... } }
  const submit = Buffer.concat([Buffer.from([0x12, smuggled.length + 2, 0x0a, smuggled.length]),
    smuggled]);
  bob.sendRaw(submit);
  const ack = await bob.next(['ack', 'error']);
  h.assert(ack.msg === 'ack', `label acked (${JSON.stringify(ack.error)})`);
  const raw = await stack.client.xrangeBuffer('ringside:labels', '-', '+');
  const pb = raw[0][1][raw[0][1].findIndex((b) => b.toString() === 'pb') + 1];
  h.assert(!pb.includes(Buffer.from('smuggled')), 'unknown fields are not published');

  // A sensor timestamp a year ahead is refused; the ring keeps its data.
  const before = await metric(stack, 'ringside_ring_samples{source="imu"}');
  const sock = dgram.createSocket('udp4');
  const future = h.T.SensorBatch.encode(h.T.SensorBatch.fromObject({ device: 'x', seq: 1,
    channels: ['ax', 'ay', 'az'], samples: [{ tNs: String((BigInt(Date.now()) + 365n * 86400000n) * 1000000n),
      values: [1, 2, 3] }] })).finish();
  await new Promise((res) => sock.send(future, stack.ports.sensor, '127.0.0.1', res));
  sock.close();
  await h.waitFor('the future sample refused', async () =>
    (await metric(stack, 'ringside_ring_future_dropped_total{source="imu"}')) === 1, 5000);
  const after = await metric(stack, 'ringside_ring_samples{source="imu"}');
  h.assert(after >= before * 0.9, `the imu ring kept its data (${before} -> ${after})`);

  const muteClosed = await Promise.race([mute.closedP, h.sleep(15000).then(() => null)]);
  h.assert(muteClosed, 'a connection that never says hello is dropped');
  h.assertEq(await metric(stack, 'ringside_reviewers_signed_in'), 1, 'only bob remains signed in');
});
