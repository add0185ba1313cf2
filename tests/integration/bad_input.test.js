// Bad input gets a clear error and loses nothing: invalid labels, garbage
// frames, text frames, no hello, a wrong token, a bad sensor datagram. The
// daemon keeps serving the well-behaved reviewer throughout.
'use strict';
const dgram = require('dgram');
const h = require('../lib/harness');

async function expectError(r, code, re, what) {
  const m = await r.next(['error', 'ack']);
  h.assert(m.msg === 'error', `${what}: expected an error, got ${m.msg}`);
  h.assertEq(m.error.code, code, `${what}: error code`);
  h.assert(re.test(m.error.message), `${what}: message "${m.error.message}" matches ${re}`);
}

h.runTest('bad-input', {}, async (stack) => {
  // No hello first: refused and closed with 1008.
  const anon = new h.Reviewer(stack.wsUrl, '');
  await anon.open({ hello: false });
  anon.submit({ labelId: 'x', windowId: 'g:1', classes: ['none'] });
  await expectError(anon, 'unauthorized', /hello/, 'no hello');
  h.assertEq((await anon.closedP).code, 1008, 'closed as policy violation');

  // A wrong token: refused with a reason, no reconnect loop on our side.
  const eve = new h.Reviewer(stack.wsUrl, 'not-a-token-0123456789');
  await eve.open();
  await expectError(eve, 'unauthorized', /^unknown token$/, 'bad token');
  const closed = await eve.closedP;
  h.assertEq([closed.code, closed.reason], [1008, 'unknown token'], 'close code and reason');

  const r = await stack.reviewer('alice');
  await r.next('welcome');
  const { task } = await r.next('task', 15000);
  const w = task.window;

  // Garbage bytes and a text frame: an error each, the connection stays.
  r.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02]));
  await expectError(r, 'bad_message', /not a ringside\.v1\.ClientMessage \(5 bytes\)/, 'garbage');
  r.ws.send('hello?');
  await expectError(r, 'bad_message', /binary protobuf messages only/, 'text frame');

  const cases = [
    [{ classes: ['cat'] }, /^classes\[0\]: "cat" is not a class of group g$/],
    [{ classes: ['none', 'square'] }, /^classes: group g takes one class per label \(got 2\)$/],
    [{ classes: [] }, /^classes: choose at least one class$/],
    [{ classes: ['none'], labelId: '' }, /^label_id: must be/],
    [{ classes: ['none'], labelId: 'has space' }, /^label_id: must be/],
    [{ classes: ['none'], events: [{ startNs: String(BigInt(w.startNs) - 1n),
      endNs: w.endNs, class: 'square' }] }, /^events\[0\]\.start_ns: .* is outside the window/],
    [{ classes: ['none'], events: [{ startNs: w.startNs,
      endNs: String(BigInt(w.endNs) + 1n), class: 'square' }] }, /^events\[0\]\.end_ns: /],
    [{ classes: ['none'], events: [{ startNs: w.startNs, endNs: w.endNs, class: 'square',
      sources: ['lidar'] }] }, /^events\[0\]\.sources\[0\]: "lidar" is not a source of group g$/],
  ];
  for (const [extra, re] of cases) {
    r.submit({ labelId: h.labelId(), windowId: w.id, ...extra });
    await expectError(r, 'invalid_label', re, JSON.stringify(extra));
  }
  r.submit({ labelId: h.labelId(), windowId: 'g:12345', classes: ['none'] });
  await expectError(r, 'not_assigned', /not assigned to you/, 'foreign window');

  // A bad sensor datagram is counted; ingest carries on.
  const sock = dgram.createSocket('udp4');
  await new Promise((res) => sock.send(Buffer.from('not protobuf'), stack.ports.sensor, '127.0.0.1', res));
  const wrongChannels = h.T.SensorBatch.encode(h.T.SensorBatch.fromObject({ device: 'x', seq: 1,
    channels: ['q'], samples: [{ tNs: String(BigInt(Date.now()) * 1000000n), values: [1] }] })).finish();
  await new Promise((res) => sock.send(wrongChannels, stack.ports.sensor, '127.0.0.1', res));
  sock.close();
  await h.waitFor('bad datagrams counted', async () => {
    const m = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
    const line = m.split('\n').find((l) => l.startsWith('ringside_sensor_bad_datagrams_total{source="imu"}'));
    return line && Number(line.split(' ').pop()) >= 2;
  }, 5000);

  // Nothing was published, and the reviewer is still served: a good label works.
  h.assertEq(await stack.client.xlen('ringside:labels'), 0, 'nothing published');
  const good = h.labelId();
  r.submit({ labelId: good, windowId: w.id, classes: ['circle'] });
  const ack = await r.next(['ack', 'error']);
  h.assert(ack.msg === 'ack', `good label acked (${JSON.stringify(ack.error)})`);
  const labels = await stack.waitForLabels(1);
  h.assertEq(labels.map((l) => l.label.labelId), [good], 'only the good label is in Redis');
  const metrics = (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
  h.assert(/^ringside_labels_total\{result="invalid"\} 9$/m.test(metrics), 'invalid labels counted');
  h.assert(/^ringside_auth_failures_total 1$/m.test(metrics), 'auth failure counted');
});
