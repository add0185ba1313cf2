// Who may open a websocket, and how fast it may talk: a browser page from
// another origin is refused at the handshake (by default only pages from
// the Host itself; with allowed_origins only those listed), clients that
// send no Origin are not browsers and pass; a connection sending over
// max_messages_per_second is closed with 1008 "rate limit" and counted,
// while one under the limit is served.
'use strict';
const fs = require('fs');
const WebSocket = require('ws');
const h = require('../lib/harness');

const RATE = 20;

// Opens a ringside.v1 websocket with ORIGIN (undefined: none); resolves
// 'open' or 'refused: why'.
function tryOrigin(stack, origin) {
  return new Promise((resolve) => {
    const ws = new WebSocket(stack.wsUrl, 'ringside.v1', origin === undefined ? {} : { origin });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('error', (e) => resolve(`refused: ${e.message}`));
  });
}

h.runTest('security-limits', { maxMessagesPerSecond: RATE }, async (stack) => {
  const metric = async (name) => {
    const line = (await h.httpGet(`${stack.httpUrl}/metrics`)).body.split('\n')
      .find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ').pop()) : NaN;
  };
  const self = `http://127.0.0.1:${stack.ports.http}`;

  // Default: no Origin, or the Host's own; nothing else.
  h.assertEq(await tryOrigin(stack, undefined), 'open', 'no Origin (not a browser)');
  h.assertEq(await tryOrigin(stack, self), 'open', 'the page\'s own origin');
  for (const o of ['http://evil.example', 'null', `${self}.evil.example`, 'http://127.0.0.1:1']) {
    const got = await tryOrigin(stack, o);
    h.assert(got.startsWith('refused'), `Origin ${o} refused (${got})`);
  }
  h.assertEq(await metric('ringside_origin_refused_total'), 4, 'refusals counted');
  await h.waitFor('the refusal logged', async () =>
    stack.daemonLog().includes('origin "http://evil.example" is not allowed'));

  // Over the rate: closed with 1008 "rate limit"; its windows go on.
  const flood = await stack.reviewer('carol');
  await flood.next('welcome');
  for (let i = 0; i < 10 * RATE; i++) flood.send({ decline: { windowId: `nope-${i}` } });
  const closed = await Promise.race([flood.closedP, h.sleep(5000).then(() => null)]);
  h.assertEq(closed && [closed.code, closed.reason], [1008, 'rate limit'], 'the flooder is closed');
  h.assertEq(await metric('ringside_rate_limited_total'), 1, 'counted');

  // Under the rate (a steady RATE / 2 per second): served throughout.
  const calm = await stack.reviewer('bob');
  await calm.next('welcome');
  for (let i = 0; i < 2 * RATE; i++) {
    calm.send({ decline: { windowId: `nope-${i}` } });
    await h.sleep(2000 / RATE);
  }
  const err = await calm.next('error');
  h.assertEq(err.error.code, 'not_assigned', 'a calm client is answered');
  h.assertEq(calm.closed, null, 'and stays connected');
  await calm.next('task', 15000);
  h.assertEq(await metric('ringside_rate_limited_total'), 1, 'nobody else limited');
  calm.close();

  // With allowed_origins: only the listed origins (and non-browsers).
  await h.stopProcess(stack.daemon);
  const conf = fs.readFileSync(stack.confPath, 'utf8').replace('[daemon]\n',
    '[daemon]\nallowed_origins = https://review.example.com, http://10.1.2.3:8080\n');
  fs.writeFileSync(stack.confPath, conf);
  await stack.startDaemon();
  h.assertEq(await tryOrigin(stack, 'https://review.example.com'), 'open', 'a listed origin');
  h.assertEq(await tryOrigin(stack, 'HTTPS://Review.Example.com/'), 'open', 'case and slash');
  h.assertEq(await tryOrigin(stack, undefined), 'open', 'no Origin');
  for (const o of [self, 'http://review.example.com', 'https://review.example.com.evil.example']) {
    const got = await tryOrigin(stack, o);
    h.assert(got.startsWith('refused'), `Origin ${o} refused with a list (${got})`);
  }
  const r = await stack.reviewer('alice');
  h.assertEq((await r.next('welcome')).welcome.reviewer, 'alice', 'reviewers still served');
});
