// Writes the checked-in seed corpus of the fuzz harnesses (corpus/<target>/)
// from readable descriptions, so a seed can be reviewed and regenerated:
//   NODE_PATH=tests/node_modules node tests/fuzz/make-seeds.js
// Run by hand when the schema or a harness changes; make fuzz never writes
// to corpus/.
'use strict';

const fs = require('fs');
const path = require('path');
const protobuf = require('protobufjs');

const SRC = path.resolve(__dirname, '../..');
const OUT = path.join(__dirname, 'corpus');
const root = protobuf.loadSync(path.join(SRC, 'proto/ringside.proto'));
const ClientMessage = root.lookupType('ringside.v1.ClientMessage');
const Label = root.lookupType('ringside.v1.Label');
const SensorBatch = root.lookupType('ringside.v1.SensorBatch');

const enc = (type, obj) => Buffer.from(type.encode(type.fromObject(obj)).finish());

function write(target, name, buf) {
  const dir = path.join(OUT, target);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), buf);
}

// ---------------------------------------------------------------- labels
// The window of fuzz_label.c and fuzz_client_message.c: group g, classes
// none/square/circle, sources cam/mic/imu, [1 s, 2 s).
const W = 'g:1000000000';
const labels = {
  one_class: { labelId: 'a1b2c3d4-0000-4000-8000-000000000001', windowId: W, classes: ['square'] },
  two_classes: { labelId: 'l-2', windowId: W, classes: ['square', 'circle'] },
  events: {
    labelId: 'l-3', windowId: W,
    events: [{ startNs: '1100000000', endNs: '1700000000', class: 'circle', sources: ['cam', 'imu'] },
      { startNs: '1000000000', endNs: '2000000000', class: 'none' }],
  },
  unknown_class: { labelId: 'l-4', windowId: W, classes: ['triangle'] },
  twice: { labelId: 'l-5', windowId: W, classes: ['square', 'square'] },
  other_window: { labelId: 'l-6', windowId: 'g:3000000000', classes: ['none'] },
  event_outside: {
    labelId: 'l-7', windowId: W,
    events: [{ startNs: '900000000', endNs: '2100000000', class: 'none', sources: ['gps'] }],
  },
  bad_id: { labelId: 'has space', windowId: W, classes: ['none'] },
  empty: {},
  // every kind, valid for the single-label group of fuzz_label.c (cam
  // 64x48 with frames every 100 ms, mic, imu with channels ax ay az)
  every_kind: {
    labelId: 'l-8', windowId: W, classes: ['square'],
    captions: [{ text: 'a square moves', sources: ['cam'] }],
    speakers: [{ speakerId: 'A', name: 'operator' }],
    transcript: [{ startNs: '1000000000', endNs: '1400000000', source: 'mic', text: 'look',
      speakerId: 'A', emotion: 'calm', soundTags: ['music'] }],
    tracks: [{ trackId: 't1', class: 'square', source: 'cam',
      keyframes: [{ tNs: '1000000000', x: 1, y: 2, w: 10, h: 10 },
        { tNs: '1500000000', x: 50, y: 30, w: 10, h: 10 }] }],
    sensorSegments: [{ startNs: '1200000000', endNs: '1300000000', source: 'imu',
      channels: ['ax', 'az'], class: 'bump' }],
    entities: [{ entityId: 'e1', name: 'the square',
      mentions: [{ trackId: 't1' }, { caption: 0, textStart: 2, textEnd: 8 },
        { speakerId: 'A' }, { transcriptSegment: 0 }] }],
    instructions: [{ instruction: 'What moves?', response: 'A square.', sources: ['cam'] }],
    preannotations: { shown: false, offered: 0 },
  },
  flagged: { labelId: 'l-9', windowId: W, flag: { kind: 'FLAG_AMBIGUOUS', reason: 'unsure' } },
  box_outside: {
    labelId: 'l-10', windowId: W, classes: ['none'],
    tracks: [{ trackId: 't1', class: 'circle', source: 'cam',
      keyframes: [{ tNs: '1100000000', x: 60, y: 0, w: 10, h: 10 }] }],
  },
};
for (const [name, l] of Object.entries(labels)) write('label', name, enc(Label, l));

// ------------------------------------------------------- client messages
// Frames: 2-byte little-endian length, then a ClientMessage.
function frames(...msgs) {
  return Buffer.concat(msgs.map((m) => {
    const body = Buffer.isBuffer(m) ? m : enc(ClientMessage, m);
    const len = Buffer.alloc(2);
    len.writeUInt16LE(body.length);
    return Buffer.concat([len, body]);
  }));
}
const hello = (token = 'fuzz-alice-0123456789') => ({ hello: { token, client: 'fuzz/1' } });
const submit = (label) => ({ submit: { label } });
write('client_message', 'hello', frames(hello()));
write('client_message', 'hello_submit', frames(hello(), submit(labels.one_class)));
write('client_message', 'hello_submit_events', frames(hello(), submit(labels.events)));
write('client_message', 'hello_submit_h', frames(hello(),
  submit({ labelId: 'l-h', windowId: 'h:1000000000', classes: ['b'] })));
write('client_message', 'hello_submit_twice', frames(hello(), submit(labels.two_classes),
  submit(labels.two_classes)));
write('client_message', 'hello_submit_invalid', frames(hello(), submit(labels.unknown_class),
  submit(labels.bad_id), submit(labels.event_outside), { submit: {} }));
write('client_message', 'hello_decline', frames(hello(), { decline: { windowId: W } },
  { decline: { windowId: 'h:1000000000' } }, { decline: { windowId: 'nope' } }));
write('client_message', 'no_hello', frames(submit(labels.one_class)));
write('client_message', 'bad_token', frames(hello('wrong-token-0123456789'), hello()));
// Signed tokens: not signed with the harness's secret, and not well-formed.
write('client_message', 'signed_token', frames(
  hello('v1.alice.expert.1795665792.1795694592.fyndj3dgO17DjOpuJ4IkqHPvYuI3Wt4onlRCIENxxwo'),
  hello('v1.alice..0.-1.'), hello()));
write('client_message', 'hello_twice', frames(hello(), hello('fuzz-bob-0123456789')));
write('client_message', 'empty_and_garbage', frames(Buffer.alloc(0), Buffer.from('\xff\xff\xff\x0f', 'latin1'),
  hello()));

// --------------------------------------------------------- sensor batches
// Channels ax,ay,az as in fuzz_sensor.c.
const batch = (o) => enc(SensorBatch, { device: 'imu-1', seq: 7, channels: ['ax', 'ay', 'az'], ...o });
const t0 = '1700000000000000000';
write('sensor', 'three_samples', batch({
  samples: [{ tNs: t0, values: [0.1, -0.2, 9.81] }, { tNs: '1700000000005000000', values: [0, 0, 9.8] },
    { tNs: '1700000000010000000', values: [1e-3, 2e3, -9.8] }],
}));
write('sensor', 'empty', batch({}));
write('sensor', 'other_channels', batch({ channels: ['x', 'y'], samples: [{ tNs: t0, values: [1, 2] }] }));
write('sensor', 'too_few_values', batch({ samples: [{ tNs: t0, values: [1, 2] }] }));
write('sensor', 'nan', batch({ samples: [{ tNs: t0, values: [NaN, 1, Infinity] }] }));
write('sensor', 'time_zero', batch({ samples: [{ tNs: '0', values: [1, 2, 3] }] }));
write('sensor', 'time_max', batch({ samples: [{ tNs: '9223372036854775807', values: [1, 2, 3] }] }));
write('sensor', 'device_odd', batch({ device: 'dev"\\\n\u00e9', seq: '18446744073709551615',
  samples: [{ tNs: '1', values: [1, 2, 3] }] }));

// ---------------------------------------------------------------- configs
write('config', 'demo.conf', fs.readFileSync(path.join(SRC, 'docs/examples/demo.conf')));
const base = `[source cam]
kind=video
pipeline=videotestsrc is-live=true
[source mic]
kind=audio
pipeline=audiotestsrc is-live=true
[source imu]
kind=sensor
listen=127.0.0.1:0
channels=ax,ay,az
[group g]
sources=cam,mic,imu
classes=none,square,circle
[reviewer alice]
token=alice-0123456789abcdef
`;
write('config', 'minimal.conf', base);
write('config', 'values.conf', `[daemon]
listen=[::1]:0
max_message_bytes=1M
send_queue_bytes=64MiB
web_root=/srv/web
[redis]
host=::1
port=7000
stream_maxlen=0
label_stream=l
expired_stream=e
[source cam]
kind=video
uri=file:///tmp/x.mp4
width=320
height=240
fps=30
jpeg_quality=90
offset_ms=-12.5
ring_seconds=2.5
ring_bytes=512K
queue_buffers=4
clock=pipeline
[source imu]
kind=sensor
listen=0.0.0.0:9100
channels=ax
clock=estimate
transport=tcp
[group g]
sources=cam,imu
classes=a
window_seconds=0.5
every_seconds=0.25
lateness_ms=250
multi_label=true
time_box_seconds=5
max_attempts=3
queue_max=10
queue_timeout_seconds=60
[reviewer bob]
token=bob-0123456789abcdef
`);
write('config', 'bad_key.conf', base + '[daemon]\nlisten_port=8080\n');
write('config', 'bad_group.conf', '[source]\nkind=video\n[group x y]\n');
write('config', 'not_keyfile.conf', 'listen = 1\n[daemon\n\u00ff\n');

// ---------------------------------------------------------------- paths
const paths = {
  root: '/', index: '/index.html', uplot_css: '/vendor/uplot/uPlot.min.css',
  protobufjs: '/vendor/protobufjs/protobuf.min.js', schema: '/proto/ringside.proto',
  metrics: '/metrics', healthz: '/healthz', metricsx: '/metricsX', dir: '/vendor/uplot/',
  traversal: '/../etc/passwd', traversal_deep: '/vendor/uplot/../../../../etc/passwd',
  dotfile: '/.git/config', double_slash: '//etc/passwd', backslash: '/..\\..\\etc\\passwd',
  percent: '/%2e%2e/etc/passwd', nul: '/index.html\0.png',
};
for (const [name, p] of Object.entries(paths)) write('http_path', name, Buffer.from(p, 'latin1'));
