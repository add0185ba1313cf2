// A bad config is refused at start naming file, group, key and reason,
// with exit status 2; --check accepts a good one; --help and --version.
'use strict';
const { execFile } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('../lib/harness');

function run(args) {
  return new Promise((resolve) => {
    execFile(h.RINGSIDED, args, { timeout: 10000 }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-config-'));
  try {
    const bad = path.join(dir, 'bad.conf');
    fs.writeFileSync(bad, '[source cam]\nkind=video\npipeline=videotestsrc\n' +
      '[group g]\nsources=cam\nclasses=a\nwindow_seconds=-1\n');
    let r = await run(['-c', bad]);
    h.assertEq(r.code, 2, 'exit status for a bad config');
    h.assertEq(r.stderr.trim(),
      `ringsided: ${bad}: [group g] window_seconds: must be between 0.1 and 3600 (got -1)`,
      'message names file, group, key and reason');

    r = await run(['-c', path.join(dir, 'missing.conf')]);
    h.assertEq(r.code, 2, 'exit status for a missing file');
    h.assert(r.stderr.includes('missing.conf'), 'names the file');

    const bogus = path.join(dir, 'pipe.conf');
    fs.writeFileSync(bogus, '[daemon]\nlisten=127.0.0.1:0\n[redis]\nport=1\n' +
      '[source cam]\nkind=video\npipeline=no-such-element-here\n' +
      '[group g]\nsources=cam\nclasses=a\n');
    r = await run(['-c', bogus]);
    h.assertEq(r.code, 2, 'exit status for a pipeline that does not parse');
    h.assert(/cam/.test(r.stderr) && /no-such-element-here|no element/i.test(r.stderr),
      `names the source and the element: ${r.stderr.trim()}`);

    const good = path.join(dir, 'good.conf');
    fs.writeFileSync(good, '[source cam]\nkind=video\npipeline=videotestsrc\n' +
      '[group g]\nsources=cam\nclasses=a\n[reviewer a]\ntoken=0123456789abcdef\n');
    r = await run(['-c', good, '--check']);
    h.assertEq(r.code, 0, '--check on a good config');
    h.assert(/ok \(1 sources, 1 groups, 1 reviewers\)/.test(r.stdout), r.stdout);

    const example = path.join(h.SRC, 'docs/examples/demo.conf');
    r = await run(['-c', example, '--check']);
    h.assertEq(r.code, 0, `the shipped demo config is valid: ${r.stderr}`);

    h.assertEq((await run(['--help'])).code, 0, '--help');
    h.assert(/^ringsided \d+\.\d+\.\d+/.test((await run(['--version'])).stdout), '--version');
    h.assertEq((await run([])).code, 2, 'no arguments is a usage error');
    h.log('PASS config');
  } catch (e) {
    console.error(`FAIL config: ${e.stack}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
