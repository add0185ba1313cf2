// The one HTTP port: the client and its npm assets served locally, the
// schema, health and Prometheus metrics; nothing outside the web root.
'use strict';
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
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
  // Encoded, doubly encoded, backslashed, overlong UTF-8 and absolute
  // forms, aimed at a file of the source tree outside the web root.
  const outside = /cmake_minimum_required|"name": "ringside-web"|"lockfileVersion"/;
  for (const p of ['/../CMakeLists.txt', '/%2e%2e/CMakeLists.txt', '/%2E%2E%2FCMakeLists.txt',
    '/..%2f..%2fCMakeLists.txt', '/%252e%252e/%252e%252e/CMakeLists.txt', '/..%5c..%5cCMakeLists.txt',
    '/..\\..\\CMakeLists.txt', '/%c0%ae%c0%ae/%c0%ae%c0%ae/CMakeLists.txt', '/.%2e/.%2e/CMakeLists.txt',
    '/vendor/protobufjs/../../../../../CMakeLists.txt',
    '/vendor/protobufjs/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/CMakeLists.txt',
    '/proto/../CMakeLists.txt', '/proto/%2e%2e/CMakeLists.txt', '//etc/passwd', '/proto//etc/passwd',
    '/vendor/uplot//etc/passwd', `http://127.0.0.1:${stack.ports.http}/../CMakeLists.txt`,
    '/etc/passwd', '/%2fetc%2fpasswd', '/proto/%2fetc%2fpasswd', '/vendor/uplot/%00../../x']) {
    const raw = await rawGet(stack.ports.http, p);
    h.assert(!outside.test(raw) && !/root:.*:0:0:/.test(raw), `${p} does not leave the web root`);
    h.assert(!/^HTTP\/1\.1 200/.test(raw), `${p} is not served (${raw.split('\r\n')[0]})`);
  }
  // Inside the web root, only the client: not its package files, notes or
  // node_modules beyond the two dist folders.
  for (const p of ['/package.json', '/package-lock.json', '/README.md', '/node_modules/',
    '/node_modules/long/package.json', '/node_modules/protobufjs/package.json',
    '/node_modules/protobufjs/dist/protobuf.min.js', '/vendor/protobufjs/../package.json',
    '/vendor/protobufjs/%2e%2e/package.json', '/vendor/', '/proto/', '/protoX']) {
    const raw = await rawGet(stack.ports.http, p);
    h.assert(!/^HTTP\/1\.1 200/.test(raw), `${p} is not served (${raw.split('\r\n')[0]})`);
  }
  h.assertEq(page.headers['x-content-type-options'], 'nosniff', 'nosniff');
  h.assertEq(page.headers['referrer-policy'], 'no-referrer', 'no Referer (a URL may carry ?token=)');
  h.assert(/frame-ancestors 'none'/.test(page.headers['content-security-policy'] || ''),
    'not framed by other sites');

  // A web root holding more than the client: dotfiles, a .git folder,
  // notes, subfolders and stray node_modules files stay private.
  const webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-webroot-'));
  try {
    const put = (rel, text) => {
      fs.mkdirSync(path.dirname(path.join(webRoot, rel)), { recursive: true });
      fs.writeFileSync(path.join(webRoot, rel), text);
    };
    put('index.html', '<html>the client</html>');
    put('app.js', 'export const x = 1;');
    put('.env', 'SECRET=1');
    put('.hidden.js', 'SECRET=2');
    put('.git/config', '[core] SECRET=3');
    put('notes.md', 'SECRET=4');
    put('sub/x.js', 'SECRET=5');
    put('node_modules/stray.js', 'SECRET=6');
    put('config.json', 'SECRET=7');
    fs.mkdirSync(path.join(webRoot, 'node_modules/protobufjs'), { recursive: true });
    fs.mkdirSync(path.join(webRoot, 'node_modules/uplot'), { recursive: true });
    fs.symlinkSync(path.join(h.SRC, 'clients/web/node_modules/protobufjs/dist'),
      path.join(webRoot, 'node_modules/protobufjs/dist'));
    fs.symlinkSync(path.join(h.SRC, 'clients/web/node_modules/uplot/dist'),
      path.join(webRoot, 'node_modules/uplot/dist'));
    await h.stopProcess(stack.daemon);
    fs.writeFileSync(stack.confPath, fs.readFileSync(stack.confPath, 'utf8')
      .replace('[daemon]\n', `[daemon]\nweb_root = ${webRoot}\n`));
    await stack.startDaemon();
    h.assertEq((await get('/')).body, '<html>the client</html>', 'the other web root is served');
    h.assertEq((await get('/app.js')).status, 200, 'its script');
    h.assertEq((await get('/vendor/uplot/uPlot.min.css')).status, 200, 'its vendored dist');
    for (const p of ['/.env', '/.hidden.js', '/.git/config', '/%2egit/config', '/notes.md', '/sub/x.js',
      '/node_modules/stray.js', '/config.json', '/vendor/uplot/../../stray.js']) {
      const raw = await rawGet(stack.ports.http, p);
      h.assert(!/SECRET/.test(raw) && !/^HTTP\/1\.1 200/.test(raw), `${p} is not served`);
    }
  } finally {
    fs.rmSync(webRoot, { recursive: true, force: true });
  }
});
