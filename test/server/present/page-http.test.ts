import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Secret } from '../../../src/log/index.js';
import { tempDir } from '../../support/git-repo.js';
import { cleanupInstallation, planYaml, startTestDaemon } from '../daemon/helpers.js';

const TOKEN = 'CANARY-ui-token-5b1e07c3';

test('page over HTTP: CAPSCHED_UI_TOKEN guards / and /status (bearer or the cookie /?token= sets); the HTML has no script and no secret', async (ctx) => {
  const root = tempDir();
  mkdirSync(join(root, 'schedules'));
  writeFileSync(join(root, 'schedules', 'nightly.yaml'), planYaml('nightly'));
  const t = await startTestDaemon(ctx, { source: root, intervalMs: 3_600_000, ui: { token: new Secret(TOKEN), refreshSeconds: 3 } });
  cleanupInstallation(ctx, t.installation);
  await t.until((s) => s.state?.lastAppliedRevision !== undefined);

  assert.equal((await t.http('/')).status, 401);
  assert.equal((await t.http('/status')).status, 401);
  assert.equal((await t.http('/', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await t.http('/healthz')).status, 200, 'health stays open');

  const page = await t.http('/', { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await page.text();
  assert.match(html, /<meta http-equiv="refresh" content="3">/);
  assert.ok(!/<script/i.test(html), 'readable without JavaScript: there is none');
  assert.ok(!html.includes(TOKEN), 'the token is not on the page');
  assert.ok(!html.includes(t.sink.url), 'nor the Slack webhook URL');
  // The plan's weeknight windows in the next 7 days: five bars, with exact times in New York and UTC.
  assert.equal(html.match(/<g class="bar[^"]*" data-plan="nightly"/g)?.length, 5);
  assert.match(html, /<title>nightly · 8 TRU · \d{4}-\d{2}-\d{2}T23:00-05:00 America\/New_York \(\d{4}-\d{2}-\d{2}T04:00Z\)/);
  assert.match(html, /class="applied-commit"><code>sha256:/);

  // The browser path: /?token= trades the token for an HttpOnly cookie and a redirect to /.
  const redirect = await t.http(`/?token=${TOKEN}`, { redirect: 'manual' });
  assert.equal(redirect.status, 303);
  assert.equal(redirect.headers.get('location'), '/');
  const cookie = (redirect.headers.get('set-cookie') ?? '').split(';')[0]!;
  assert.match(redirect.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
  assert.equal((await t.http('/', { headers: { cookie } })).status, 200);
  assert.equal((await t.http('/status', { headers: { cookie } })).status, 200);
});
