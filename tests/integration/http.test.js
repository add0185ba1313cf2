// The one HTTP port: the client and its npm assets served locally, the
// schema, health and Prometheus metrics; nothing outside the web root.
'use strict';
const net = require('net');
const h = require('../lib/harness');

function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    s.setTimeout(3000, () => s.destroy(new Error('timeout')));
    s.on('data', (c) => { data += c.toString('latin1'); });
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}

h.runTest('http', {}, async (stack) => {
  const get = (p) => h.httpGet(`${stack.httpUrl}${p}`);
  const page = await get('/');
  h.assertEq(page.status, 200, 'GET /');
  h.assert(/<html/i.test(page.body), 'the reviewer page');
  for (const p of ['/vendor/protobufjs/protobuf.min.js', '/vendor/uplot/uPlot.iife.min.js',
    '/vendor/uplot/uPlot.min.css', '/proto/ringside.proto']) {
    const r = await get(p);
    h.assertEq(r.status, 200, `GET ${p}`);
    h.assert(r.body.length > 100, `${p} has content`);
  }
  h.assert(/package ringside\.v1;/.test((await get('/proto/ringside.proto')).body), 'schema served');
  h.assertEq((await get('/healthz')).body, 'ok\n', 'healthz');

  const m = await get('/metrics');
  h.assert(/^text\/plain; version=0\.0\.4/.test(m.headers['content-type']), 'metrics type');
  for (const name of ['ringside_ring_bytes{source="cam"}', 'ringside_ring_overflow_total{source="mic"}',
    'ringside_connections', 'ringside_redis_connected 1', 'ringside_windows_waiting']) {
    h.assert(m.body.includes(name), `metrics include ${name}`);
  }
  const seen = new Set();
  let current = null;
  for (const line of m.body.trim().split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const name = line.split(' ')[2];
      h.assert(!seen.has(name), `metric family ${name} appears once, its lines together`);
      seen.add(name);
      current = name;
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    h.assert(line.startsWith(current), `${line} is under its family's TYPE line (${current})`);
    h.assert(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$/.test(line),
      `metrics line is Prometheus text: ${line}`);
  }

  for (const p of ['/nope.html', '/metricsX']) h.assertEq((await get(p)).status, 404, `GET ${p}`);
  // Traversal out of the web root must not reach the file system.
  for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/vendor/uplot/../../../../../../etc/passwd', '/proto/..%2f..%2f..%2fetc/passwd']) {
    const raw = await rawGet(stack.ports.http, p);
    h.assert(!/root:.*:0:0:/.test(raw), `${p} does not leak /etc/passwd`);
    h.assert(!/^HTTP\/1\.1 200/.test(raw) || !/root:/.test(raw), `${p} refused`);
  }
});
