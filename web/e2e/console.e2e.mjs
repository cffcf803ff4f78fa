// End-to-end test of the SkyLedger console in Debian's Chromium, driven by
// playwright-core, against a running local runtime (scripts/test-browser.sh
// starts one in a scratch data directory and passes BASE_URL and
// BOOTSTRAP_TOKEN).
//
// Flow: bootstrap in the browser -> create a tenant, its admin and a pilot ->
// a second browser context signs in as the pilot -> the tenant admin submits
// an urgent PIREP and the pilot's feed shows it without reload, marked urgent
// (20 submissions, submit click -> pilot's feed latency, p50 printed) -> the
// admin deactivates the pilot and the pilot's page falls back to login.
// Screenshots of each screen go to SCREENSHOT_DIR (git-ignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.BOOTSTRAP_TOKEN;
const SHOTS = process.env.SCREENSHOT_DIR ?? new URL('./screenshots', import.meta.url).pathname;
const RESULTS = process.env.RESULTS_FILE ?? join(SHOTS, 'results.json');
const SUBMISSIONS = Number(process.env.E2E_SUBMISSIONS ?? 20);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const T = 20_000; // per-wait timeout, ms

if (!BASE || !TOKEN) {
  console.error('e2e: BASE_URL and BOOTSTRAP_TOKEN must be set');
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(SHOTS, { recursive: true });

const run = Date.now().toString(36);
const ADMIN = { email: `root-${run}@skyledger.test`, password: 'root password 1234', name: 'Root Admin' };
const TADMIN = { email: `ops-${run}@acme.test`, password: 'tenant admin pass 99', name: 'Acme Ops' };
const PILOT = { email: `pilot-${run}@acme.test`, password: 'pilot password 5678', name: 'Pat Pilot' };
const TENANT = `Acme Flight School ${run}`;

const results = [];
let failed = false;
async function step(name, fn) {
  if (failed) {
    results.push({ name, ok: false, error: 'not run: an earlier step failed' });
    console.log(`  FAIL ${name} (not run: an earlier step failed)`);
    return;
  }
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed = true;
    results.push({ name, ok: false, error: String(e?.message ?? e) });
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
  }
}

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

const tid = (id) => `[data-testid="${id}"]`;
const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function signIn(page, who) {
  await page.goto(BASE + '/#/');
  await page.waitForSelector(tid('login-form'), { timeout: T });
  await page.fill(tid('login-email'), who.email);
  await page.fill(tid('login-password'), who.password);
  await page.click(tid('login-submit'));
  await page.waitForSelector(tid('whoami'), { timeout: T });
}

async function waitLive(page) {
  await page.waitForSelector(`${tid('ws-state')}[data-state="open"]`, { timeout: T });
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const consoleErrors = [];
const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const pilotCtx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }); // phone width
const admin = await adminCtx.newPage();
const pilot = await pilotCtx.newPage();
// The console runs under the Content-Security-Policy CloudFront serves
// (spec.ConsoleCSP; the local runtime sends the same): any violation is a
// console error naming the policy.
const cspViolations = [];
let cspHeader = '';
for (const [who, p] of [['admin', admin], ['pilot', pilot]]) {
  p.on('pageerror', (e) => consoleErrors.push(`${who}: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspViolations.push(`${who}: ${m.text()}`);
  });
  p.on('response', (r) => {
    if (r.request().resourceType() === 'document') cspHeader = r.headers()['content-security-policy'] ?? '';
  });
}
// Requests that leave the origin (fonts, CDNs) would break "everything bundled".
const foreign = [];
for (const ctx of [adminCtx, pilotCtx]) {
  ctx.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(BASE) && !u.startsWith(BASE.replace(/^http/, 'ws')) && !u.startsWith('data:')) foreign.push(u);
  });
}

let tenantId = '';
const latencies = [];

console.log(`e2e against ${BASE}`);

await step('login screen is keyboard-usable', async () => {
  await admin.goto(BASE + '/');
  await admin.waitForSelector(tid('login-form'), { timeout: T });
  await admin.keyboard.press('Tab');
  const focused = await admin.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  expect(focused === 'login-email', `Tab should reach the e-mail field first, got ${focused}`);
  const labelled = await admin.evaluate(() =>
    [...document.querySelectorAll('input,select,textarea')].every((el) => el.labels?.length || el.getAttribute('aria-label')),
  );
  expect(labelled, 'every control has a label');
  await shot(admin, '01-login');
});

await step('bootstrap the platform in the browser', async () => {
  await admin.click(tid('goto-bootstrap'));
  await admin.waitForSelector(tid('bootstrap-form'), { timeout: T });
  await admin.fill(tid('bootstrap-token'), TOKEN);
  await admin.fill(tid('bootstrap-tenant'), 'SkyLedger Platform');
  await admin.fill(tid('bootstrap-email'), ADMIN.email);
  await admin.fill(tid('bootstrap-name'), ADMIN.name);
  await admin.fill(tid('bootstrap-password'), ADMIN.password);
  await shot(admin, '02-bootstrap');
  await admin.click(tid('bootstrap-submit'));
  await admin.waitForSelector(tid('whoami'), { timeout: T });
  const who = await admin.textContent(tid('whoami'));
  expect(who.includes('platform_admin'), `signed in as platform_admin, got "${who}"`);
  await waitLive(admin);
  await shot(admin, '03-feed-empty');
});

await step('platform admin creates a tenant', async () => {
  await admin.click(tid('nav-tenants'));
  await admin.fill(tid('tenant-name'), TENANT);
  await admin.click(tid('tenant-submit'));
  const row = admin.locator(tid('tenant-row'), { hasText: TENANT });
  await row.waitFor({ timeout: T });
  tenantId = await row.getAttribute('data-tenant-id');
  expect(tenantId, 'tenant row has an id');
  await shot(admin, '04-tenants');
});

async function createUser(u, role) {
  await admin.fill(tid('user-email'), u.email);
  await admin.fill(tid('user-name'), u.name);
  await admin.fill(tid('user-password'), u.password);
  await admin.selectOption(tid('user-role'), role);
  await admin.click(tid('user-submit'));
  await admin.locator(`${tid('user-row')}[data-email="${u.email}"]`).waitFor({ timeout: T });
}

await step('platform admin creates the tenant admin and a pilot', async () => {
  await admin.goto(`${BASE}/#/users/${tenantId}`);
  await admin.waitForSelector(tid('user-form'), { timeout: T });
  await createUser(TADMIN, 'tenant_admin');
  await createUser(PILOT, 'pilot');
  await shot(admin, '05-users');
});

await step('API keys: create one, the secret is shown once with a copy button', async () => {
  await admin.click(tid('nav-keys'));
  await admin.fill(tid('apikey-name'), 'e2e key');
  await admin.click(tid('apikey-submit'));
  const secret = await admin.locator(tid('apikey-secret')).inputValue({ timeout: T });
  expect(/^sk_/.test(secret), `secret looks like sk_…, got ${secret.slice(0, 4)}…`);
  expect(await admin.isVisible(tid('apikey-copy')), 'copy button visible');
  await admin.locator(tid('apikey-row'), { hasText: 'e2e key' }).waitFor({ timeout: T });
  await shot(admin, '06-apikeys');
  await admin.click(tid('apikey-dismiss'));
  await admin.waitForSelector(tid('apikey-secret'), { state: 'detached', timeout: T }); // gone after Done
});

await step('account screen', async () => {
  await admin.click(tid('nav-account'));
  await admin.waitForSelector(tid('password-form'), { timeout: T });
  await shot(admin, '07-account');
});

await step('the admin context signs in as the tenant admin', async () => {
  await admin.click(tid('logout'));
  await admin.waitForSelector(tid('login-form'), { timeout: T });
  await signIn(admin, TADMIN);
  await waitLive(admin);
});

await step('a second browser context signs in as the pilot (phone width)', async () => {
  await signIn(pilot, PILOT);
  await pilot.waitForSelector(tid('pirep-feed'), { state: 'attached', timeout: T });
  await waitLive(pilot);
  await shot(pilot, '08-pilot-feed-phone');
});

await step(`admin submits ${SUBMISSIONS} urgent PIREPs; the pilot's feed shows each without reload, marked urgent`, async () => {
  await admin.click(tid('nav-submit'));
  await admin.click(tid('mode-raw'));
  await admin.evaluate(() => {
    document.addEventListener('click', (e) => {
      if (e.target instanceof Element && e.target.closest('[data-testid="pirep-submit"]')) window.__clickAt = Date.now();
    }, true);
  });
  // The pilot's page notes when each report first appears in the feed.
  await pilot.evaluate(() => {
    window.__seen = {};
    const scan = () => {
      for (const li of document.querySelectorAll('[data-testid="pirep-item"]')) {
        const m = /E2E-(\d+)/.exec(li.textContent ?? '');
        if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = { at: Date.now(), urgent: li.getAttribute('data-urgent') };
      }
    };
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
    scan();
  });
  const navBefore = await pilot.evaluate(() => performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin);
  for (let i = 0; i < SUBMISSIONS; i++) {
    const raw = `PUB UUA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEV/RM CWSU ZDV E2E-${i}`;
    await admin.fill(tid('pirep-raw'), raw);
    if (i === 0) await shot(admin, '09-submit-raw');
    await admin.click(tid('pirep-submit'));
    await pilot.waitForFunction((k) => window.__seen && k in window.__seen, String(i), { timeout: T, polling: 'raf' });
    const { clickAt, seen } = {
      clickAt: await admin.evaluate(() => window.__clickAt),
      seen: await pilot.evaluate((k) => window.__seen[k], String(i)),
    };
    expect(seen.urgent === 'true', `report ${i} marked urgent in the pilot's feed`);
    latencies.push(seen.at - clickAt);
    await admin.waitForSelector(tid('pirep-ok'), { timeout: T });
    // the form is cleared for the next report
    await admin.waitForFunction(() => document.querySelector('[data-testid="pirep-raw"]').value === '', null, { timeout: T });
  }
  const navAfter = await pilot.evaluate(() => performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin);
  expect(navBefore === navAfter, 'the pilot page was not reloaded');
  const first = pilot.locator(tid('pirep-item')).first();
  expect((await first.getAttribute('data-urgent')) === 'true', 'newest report is urgent');
  expect(await first.locator(tid('pirep-urgent-badge')).isVisible(), 'URGENT badge visible');
  expect((await first.textContent()).includes(`E2E-${SUBMISSIONS - 1}`), 'newest first');
  await shot(pilot, '10-pilot-feed-urgent');
  await shot(admin, '11-submit-done');
});

await step('raw-text errors (client check and server 400) point at the offending element', async () => {
  await admin.fill(tid('pirep-raw'), 'PUB UA /OV PUB/TM 2599/FL160/TP COL4/TB SEV');
  await admin.click(tid('pirep-submit'));
  await admin.waitForSelector(`${tid('pirep-element')}[data-key="TM"][data-bad="true"]`, { timeout: T });
  await shot(admin, '12-submit-error');
  // one only the server's parser refuses: its 400 names the element
  await admin.fill(tid('pirep-raw'), 'PUB UA /OV PUB/TM 0010/FL160/TP COL4/TB FOO');
  await admin.click(tid('pirep-submit'));
  const el = admin.locator(`${tid('pirep-element')}[data-key="TB"][data-bad="true"]`);
  await el.waitFor({ timeout: T });
  const text = await el.textContent();
  expect(/←/.test(text), `the server's message is shown at /TB: "${text}"`);
  await shot(admin, '12b-submit-server-error');
  await admin.fill(tid('pirep-raw'), '');
});

await step('admin deactivates the pilot; the pilot page falls back to login', async () => {
  await admin.click(tid('nav-users'));
  const row = admin.locator(`${tid('user-row')}[data-email="${PILOT.email}"]`);
  await row.waitFor({ timeout: T });
  await row.locator(tid('user-deactivate')).click();
  await row.locator(tid('user-status'), { hasText: 'deactivated' }).waitFor({ timeout: T });
  await shot(admin, '13-users-deactivated');
  await admin.setViewportSize({ width: 390, height: 844 }); // the admin screens at phone width
  await shot(admin, '13b-users-phone');
  await admin.click(tid('nav-submit'));
  await admin.click(tid('mode-structured'));
  await shot(admin, '13c-submit-structured-phone');
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow <= 0, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
  await admin.setViewportSize({ width: 1280, height: 900 });
  await pilot.waitForSelector(tid('login-form'), { timeout: T });
  await shot(pilot, '14-pilot-back-at-login');
});

await step('the deactivated pilot cannot sign in again', async () => {
  await pilot.fill(tid('login-email'), PILOT.email);
  await pilot.fill(tid('login-password'), PILOT.password);
  await pilot.click(tid('login-submit'));
  await pilot.waitForSelector(tid('login-error'), { timeout: T });
  expect(!(await pilot.isVisible(tid('whoami'))), 'not signed in');
});

await step('no request left the origin and no page error', async () => {
  expect(foreign.length === 0, `requests to other origins: ${foreign.slice(0, 5).join(', ')}`);
  expect(consoleErrors.length === 0, `page errors: ${consoleErrors.slice(0, 5).join(' | ')}`);
});

await step('the console runs under its Content-Security-Policy without a violation', async () => {
  expect(/script-src 'self'/.test(cspHeader) && !/unsafe-inline/.test(cspHeader), `CSP served: ${cspHeader || '(none)'}`);
  expect(cspViolations.length === 0, `CSP violations: ${cspViolations.slice(0, 5).join(' | ')}`);
});

await browser.close();

const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);
const summary = {
  submissions: sorted.length,
  submit_to_feed_ms: { p50: pct(50), p90: pct(90), max: sorted.at(-1) ?? null, min: sorted[0] ?? null, all: latencies },
  steps: results,
};
writeFileSync(RESULTS, JSON.stringify(summary, null, 2));
if (sorted.length) {
  console.log(`submit->feed latency over ${sorted.length} submissions: p50 ${pct(50)} ms, p90 ${pct(90)} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`);
}
const passed = results.filter((r) => r.ok).length;
console.log(`e2e: ${passed} passed, ${results.length - passed} failed`);
process.exit(results.length === passed ? 0 : 1);
