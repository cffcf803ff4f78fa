// End-to-end test of the SkyLedger console in Debian's Chromium, driven by
// playwright-core, against a running local runtime (scripts/test-browser.sh
// starts one in a scratch data directory and passes BASE_URL,
// BOOTSTRAP_TOKEN, SKYLEDGER_BIN and DATA_DIR).
//
// Flow: bootstrap in the browser -> `skyledger seed` fills the demo tenant
// -> the platform admin's PIREP screen (tenant picker) and the admin screens
// -> a desktop context signs in as the seeded tenant admin, a phone context
// as a seeded pilot -> the pilot submits a routine report (pick lists) and
// an urgent one (text); the admin's map shows both markers and the table
// their decoded fields and urgency reason (arrival time printed) -> more
// urgent reports, submit -> admin table latency (p50 printed) -> filters
// narrow the list and survive a reload; near-station and a drawn box ->
// marker <-> row selection -> the admin retracts a report and the marker
// leaves the pilot's map live -> phone layout checks -> the admin changes
// a user's role and finds it in the Audit screen (type filter across a
// reload, CSV export), the user's and a PIREP's History tabs -> the platform
// admin renames a tenant, suspends the demo tenant (its signed-in users see
// the tenant_suspended message), fails to suspend the platform tenant (409)
// and reactivates -> the admin deactivates the pilot, whose page falls back
// to login.
// axe-core runs on every screen at both sizes; the run fails on any
// critical, serious or moderate violation. Screenshots of each screen go to
// SCREENSHOT_DIR (git-ignored), results (latencies, axe) to RESULTS_FILE.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.BOOTSTRAP_TOKEN;
const BIN = process.env.SKYLEDGER_BIN;
const DATA_DIR = process.env.DATA_DIR;
const SHOTS = process.env.SCREENSHOT_DIR ?? new URL('./screenshots', import.meta.url).pathname;
const RESULTS = process.env.RESULTS_FILE ?? join(SHOTS, 'results.json');
const SUBMISSIONS = Number(process.env.E2E_SUBMISSIONS ?? 10);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const T = 20_000; // per-wait timeout, ms

if (!BASE || !TOKEN || !BIN || !DATA_DIR) {
  console.error('e2e: BASE_URL, BOOTSTRAP_TOKEN, SKYLEDGER_BIN and DATA_DIR must be set');
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(SHOTS, { recursive: true });
const AXE_SRC = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const run = Date.now().toString(36);
const ADMIN = { email: `root-${run}@skyledger.test`, password: 'root password 1234', name: 'Root Admin' };
const TENANT = `Acme Flight School ${run}`;
let seeded = null; // the seed's JSON: tenant, logins
let TADMIN, PILOT;

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
    // what each page showed when the step failed
    await admin.screenshot({ path: join(SHOTS, 'FAILED-admin.png'), fullPage: true }).catch(() => undefined);
    await pilot.screenshot({ path: join(SHOTS, 'FAILED-pilot.png'), fullPage: true }).catch(() => undefined);
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
  }
}

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

const tid = (id) => `[data-testid="${id}"]`;
const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

// ---- axe-core on every screen ------------------------------------------------
const axeRuns = [];
async function axe(page, screen) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SRC); // not a <script> tag: the console's CSP refuses inline scripts
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  axeRuns.push({ screen, violations });
}
/** screen: one screenshot and one axe run. */
async function screen(page, name) {
  await shot(page, name);
  await axe(page, name);
}

async function signIn(page, who) {
  await page.goto(BASE + '/#/');
  await page.waitForSelector(tid('login-form'), { timeout: T });
  await page.fill(tid('login-email'), who.email);
  await page.fill(tid('login-password'), who.password);
  await page.click(tid('login-submit'));
  await page.waitForSelector(tid('whoami'), { state: 'attached', timeout: T });
}

async function waitLive(page) {
  await page.waitForSelector(`${tid('ws-state')}[data-state="open"]`, { state: 'attached', timeout: T });
}

const utcHHMM = (d = new Date()) => String(d.getUTCHours()).padStart(2, '0') + String(d.getUTCMinutes()).padStart(2, '0');

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const consoleErrors = [];
const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const pilotCtx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }); // phone
const rootCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } }); // the platform admin, for tenant suspension
const admin = await adminCtx.newPage();
const pilot = await pilotCtx.newPage();
const root = await rootCtx.newPage();
// The console runs under the Content-Security-Policy CloudFront serves
// (spec.ConsoleCSP; the local runtime sends the same): any violation is a
// console error naming the policy.
const cspViolations = [];
let cspHeader = '';
for (const [who, p] of [['admin', admin], ['pilot', pilot], ['root', root]]) {
  p.on('pageerror', (e) => consoleErrors.push(`${who}: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspViolations.push(`${who}: ${m.text()}`);
  });
  p.on('response', (r) => {
    if (r.request().resourceType() === 'document') cspHeader = r.headers()['content-security-policy'] ?? '';
  });
}
// Requests that leave the origin (fonts, CDNs, map tiles) would break "everything bundled".
const foreign = [];
const logouts = [];
for (const ctx of [adminCtx, pilotCtx, rootCtx]) {
  ctx.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(BASE) && !u.startsWith(BASE.replace(/^http/, 'ws')) && !u.startsWith('data:')) foreign.push(u);
    if (u.endsWith('/api/auth/logout') && r.method() === 'POST') logouts.push(u);
  });
}

const latencies = [];
const arrival = {};
let urgentId = ''; // the pilot's urgent report (retracted later)

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
  await screen(admin, '01-login');
});

await step('bootstrap the platform in the browser; the page says where the token is', async () => {
  await admin.click(tid('goto-bootstrap'));
  await admin.waitForSelector(tid('bootstrap-form'), { timeout: T });
  const hint = await admin.textContent(tid('bootstrap-hint'));
  expect(hint.includes('<data-dir>/bootstrap-token'), `the hint names <data-dir>/bootstrap-token: "${hint}"`);
  // a wrong token marks the token field
  await admin.fill(tid('bootstrap-token'), 'not-the-token');
  await admin.fill(tid('bootstrap-tenant'), 'SkyLedger Platform');
  await admin.fill(tid('bootstrap-email'), ADMIN.email);
  await admin.fill(tid('bootstrap-name'), ADMIN.name);
  await admin.fill(tid('bootstrap-password'), ADMIN.password);
  await admin.click(tid('bootstrap-submit'));
  await admin.waitForSelector(`${tid('bootstrap-token')}[aria-invalid="true"]`, { timeout: T });
  await screen(admin, '02-bootstrap-wrong-token');
  await admin.fill(tid('bootstrap-token'), TOKEN);
  await admin.click(tid('bootstrap-submit'));
  await admin.waitForSelector(tid('whoami'), { timeout: T });
  const who = await admin.textContent(tid('whoami'));
  expect(who.includes('platform_admin'), `signed in as platform_admin, got "${who}"`);
  await waitLive(admin);
  await admin.waitForSelector(tid('pireps-platform-note'), { timeout: T });
  await screen(admin, '03-pireps-platform-empty');
});

await step('skyledger seed fills the demo tenant (through the HTTP API)', async () => {
  const out = execFileSync(BIN, ['seed', '-data-dir', DATA_DIR, '-admin-email', ADMIN.email, '-admin-password', ADMIN.password, '-json'], { encoding: 'utf8', timeout: 120_000 });
  seeded = JSON.parse(out);
  expect(seeded.reports >= 30, `a few dozen reports, got ${seeded.reports}`);
  TADMIN = seeded.logins.find((l) => l.role === 'tenant_admin');
  PILOT = seeded.logins.find((l) => l.role === 'pilot');
  expect(TADMIN && PILOT, 'the seed printed a tenant admin and a pilot login');
  console.log(`       seeded tenant ${seeded.tenant_id}: ${seeded.reports} reports (${seeded.urgent} urgent)`);
});

await step('platform admin: tenant picker shows the demo tenant on the map', async () => {
  await admin.goto(`${BASE}/#/pireps?tenant=${seeded.tenant_id}`);
  await admin.waitForSelector('[aria-label="PIREP map"]', { timeout: T });
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-marker"]').length >= n, seeded.reports, { timeout: T });
  const sel = await admin.locator(tid('pireps-tenant')).inputValue();
  expect(sel === seeded.tenant_id, `tenant picker shows the demo tenant, got ${sel}`);
  const name = await admin.locator(tid('pirep-marker')).first().getAttribute('aria-label');
  expect(/^[A-Z0-9]{3,4} UU?A/.test(name), `a marker is named by station and type: "${name}"`);
  await screen(admin, '04-pireps-map-desktop');
});

await step('tenants: create one; a duplicate name is warned about', async () => {
  await admin.click(tid('nav-tenants'));
  await admin.fill(tid('tenant-name'), TENANT);
  await admin.click(tid('tenant-submit'));
  await admin.locator(tid('tenant-row'), { hasText: TENANT }).waitFor({ timeout: T });
  await admin.fill(tid('tenant-name'), seeded.tenant_name);
  await admin.waitForSelector(tid('tenant-name-taken'), { timeout: T });
  await screen(admin, '05-tenants');
  await admin.fill(tid('tenant-name'), '');
});

await step('users: a duplicate e-mail is reported at the field', async () => {
  await admin.goto(`${BASE}/#/users/${seeded.tenant_id}`);
  await admin.waitForSelector(tid('user-form'), { timeout: T });
  await admin.locator(`${tid('user-row')}[data-email="${PILOT.email}"]`).waitFor({ timeout: T });
  await admin.fill(tid('user-email'), PILOT.email);
  await admin.fill(tid('user-name'), 'Dup');
  await admin.fill(tid('user-password'), 'another long passphrase');
  await admin.click(tid('user-submit'));
  await admin.waitForSelector(tid('user-email-error'), { timeout: T });
  await screen(admin, '06-users');
});

await step("API keys: create one (secret shown once); list and revoke another user's keys", async () => {
  await admin.click(tid('nav-keys'));
  await admin.fill(tid('apikey-name'), 'e2e key');
  await admin.click(tid('apikey-submit'));
  const secret = await admin.locator(tid('apikey-secret')).inputValue({ timeout: T });
  expect(/^sk_/.test(secret), `secret looks like sk_…, got ${secret.slice(0, 4)}…`);
  await admin.locator(tid('apikey-row'), { hasText: 'e2e key' }).waitFor({ timeout: T });
  await screen(admin, '07-apikeys');
  await admin.click(tid('apikey-dismiss'));
  await admin.selectOption(tid('apikey-tenant'), seeded.tenant_id);
  await admin.locator(`${tid('apikey-owner')} option`, { hasText: TADMIN.email }).waitFor({ state: 'attached', timeout: T });
  const value = await admin.locator(`${tid('apikey-owner')} option`, { hasText: TADMIN.email }).getAttribute('value');
  await admin.selectOption(tid('apikey-owner'), value);
  const row = admin.locator(tid('apikey-row'), { hasText: 'demo integration' });
  await row.waitFor({ timeout: T });
  admin.once('dialog', (d) => void d.accept());
  await row.locator(tid('apikey-revoke')).click();
  await row.locator(tid('apikey-state'), { hasText: 'revoked' }).waitFor({ timeout: T });
  await screen(admin, '08-apikeys-of-another-user');
});

await step('account screen', async () => {
  await admin.click(tid('nav-account'));
  await admin.waitForSelector(tid('password-form'), { timeout: T });
  await screen(admin, '09-account');
});

await step('sign out revokes the session on the server; the bootstrap link is gone', async () => {
  await admin.click(tid('logout'));
  await admin.waitForSelector(tid('login-form'), { timeout: T });
  expect(logouts.length === 1, `one POST /api/auth/logout, got ${logouts.length}`);
  expect(!(await admin.isVisible(tid('goto-bootstrap'))), 'no bootstrap link once the platform exists');
});

await step('desktop: the seeded tenant admin; phone: a seeded pilot', async () => {
  await signIn(admin, TADMIN);
  await waitLive(admin);
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-marker"]').length >= n, seeded.reports, { timeout: T });
  await signIn(pilot, PILOT);
  await waitLive(pilot);
  await pilot.waitForSelector('[aria-label="PIREP map"]', { timeout: T });
  await screen(pilot, '10-pireps-phone');
});

// The admin's page notes when a report (by its /RM tag) first appears in
// the table and when its marker appears on the map.
async function watchArrivals(page) {
  await page.evaluate(() => {
    window.__seen = {};
    const scan = () => {
      for (const tr of document.querySelectorAll('[data-testid="pirep-item"]')) {
        const m = /E2E-([A-Z0-9-]+)/.exec(tr.querySelector('td[data-label="Remarks"]')?.textContent ?? '');
        if (!m) continue;
        const s = (window.__seen[m[1]] ??= { id: tr.getAttribute('data-pirep-id'), row: Date.now(), urgent: tr.getAttribute('data-urgent') });
        if (!s.marker && document.querySelector(`[data-testid="pirep-marker"][data-pirep-id="${s.id}"]`)) s.marker = Date.now();
        if (!s.decoded && tr.querySelector('[data-testid="pirep-altitude"]')?.textContent !== '—') s.decoded = Date.now();
      }
    };
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
    scan();
  });
}
let clicks = 0;
async function clickAt(page, sel) {
  const n = ++clicks;
  await page.evaluate(
    ([s, n]) => {
      window.__clicks ??= {};
      document.querySelector(s).addEventListener('click', () => (window.__clicks[n] = Date.now()), { capture: true, once: true });
    },
    [sel, n],
  );
  await page.click(sel);
  return () => page.evaluate((n) => window.__clicks[n], n);
}

await step("pilot submits a routine (pick lists) and an urgent report (text); the admin's map and table show both", async () => {
  await watchArrivals(admin);
  await pilot.click(tid('nav-submit'));
  await pilot.waitForSelector(tid('pirep-form'), { timeout: T });
  const tm = await pilot.locator(tid('pirep-tm')).inputValue();
  expect(/^\d{4}$/.test(tm), `/TM is pre-filled, got "${tm}"`);
  await pilot.fill(tid('pirep-station'), 'DEN');
  await pilot.fill(tid('pirep-ov'), 'DEN 090020');
  await pilot.fill(tid('pirep-fl'), '085');
  await pilot.fill(tid('pirep-tp'), 'C172');
  await pilot.fill(tid('pirep-sk'), 'BKN040-TOP065');
  await pilot.fill(tid('pirep-ta'), 'M02');
  await pilot.selectOption(tid('pirep-tb'), 'LGT');
  await pilot.selectOption(tid('pirep-ic'), 'LGT');
  await pilot.selectOption(tid('pirep-ic-type'), 'RIME');
  await pilot.fill(tid('pirep-rm'), 'E2E-ROUTINE');
  await screen(pilot, '11-submit-structured-phone');
  const routineClick = await clickAt(pilot, tid('pirep-submit'));
  await pilot.waitForSelector(tid('pirep-ok'), { timeout: T });
  await admin.waitForFunction(() => window.__seen.ROUTINE?.marker && window.__seen.ROUTINE?.decoded, null, { timeout: T, polling: 'raf' });

  await pilot.click(tid('mode-raw'));
  await pilot.fill(tid('pirep-raw'), `COS UA /OV COS 180015/TM ${utcHHMM()}/FL120/TP PA46/TB SEV 100-140/RM E2E-URGENT`);
  const urgentClick = await clickAt(pilot, tid('pirep-submit'));
  await pilot.waitForSelector(tid('pirep-ok'), { timeout: T });
  const ok = await pilot.textContent(tid('pirep-ok'));
  expect(ok.includes('URGENT') && ok.includes('severe or extreme turbulence'), `the pilot sees it became urgent and why: "${ok}"`);
  await screen(pilot, '12-submit-urgent-phone');
  await admin.waitForFunction(() => window.__seen.URGENT?.marker && window.__seen.URGENT?.decoded, null, { timeout: T, polling: 'raf' });

  const seen = await admin.evaluate(() => window.__seen);
  for (const [k, click] of [['ROUTINE', await routineClick()], ['URGENT', await urgentClick()]]) {
    arrival[k] = { row_ms: seen[k].row - click, marker_ms: seen[k].marker - click, decoded_ms: seen[k].decoded - click };
  }
  console.log(`       click -> admin: routine row ${arrival.ROUTINE.row_ms} ms, marker ${arrival.ROUTINE.marker_ms} ms; urgent row ${arrival.URGENT.row_ms} ms, marker ${arrival.URGENT.marker_ms} ms`);
  urgentId = seen.URGENT.id;
  const urgentRow = admin.locator(`${tid('pirep-item')}[data-pirep-id="${seen.URGENT.id}"]`);
  expect((await urgentRow.getAttribute('data-urgent')) === 'true', 'the urgent row is marked urgent');
  const reasons = await urgentRow.locator(tid('pirep-urgent-reasons')).textContent();
  expect(reasons.includes('severe or extreme turbulence'), `urgency reason in words: "${reasons}"`);
  const turb = await urgentRow.locator(tid('pirep-turbulence')).textContent();
  expect(turb.includes('severe'), `decoded turbulence: "${turb}"`);
  const routineRow = admin.locator(`${tid('pirep-item')}[data-pirep-id="${seen.ROUTINE.id}"]`);
  const ice = await routineRow.locator(tid('pirep-icing')).textContent();
  expect(ice.includes('light rime'), `decoded icing: "${ice}"`);
  const marker = admin.locator(`${tid('pirep-marker')}[data-pirep-id="${seen.URGENT.id}"]`);
  expect(/^COS UUA urgent, severe turbulence/.test(await marker.getAttribute('aria-label')), 'the urgent marker is named');
  await screen(admin, '13-pireps-admin-after-submit');
});

await step(`pilot submits ${SUBMISSIONS} more urgent reports; each reaches the admin's table without reload`, async () => {
  const navBefore = await admin.evaluate(() => performance.timeOrigin);
  for (let i = 0; i < SUBMISSIONS; i++) {
    await pilot.fill(tid('pirep-raw'), `PUB UUA /OV PUB 243022/TM ${utcHHMM()}/FL160/TP COL4/TB SEV/RM CWSU ZDV E2E-L${i}`);
    const click = await clickAt(pilot, tid('pirep-submit'));
    await admin.waitForFunction((k) => window.__seen[k], `L${i}`, { timeout: T, polling: 'raf' });
    const seen = await admin.evaluate((k) => window.__seen[k], `L${i}`);
    expect(seen.urgent === 'true', `report ${i} marked urgent in the admin's table`);
    latencies.push(seen.row - (await click()));
    await pilot.waitForFunction(() => document.querySelector('[data-testid="pirep-raw"]').value === '', null, { timeout: T });
  }
  expect(navBefore === (await admin.evaluate(() => performance.timeOrigin)), 'the admin page was not reloaded');
});

await step('filters narrow the list, live in the URL and survive a reload', async () => {
  const total = await admin.locator(tid('pirep-item')).count();
  await admin.check(tid('filter-urgent'));
  await admin.fill(tid('filter-minfl'), '100');
  await admin.check(tid('filter-hazard-TB'));
  await admin.waitForFunction(() => /urgent=1/.test(location.hash) && /minfl=100/.test(location.hash) && /hazard=TB/.test(location.hash), null, { timeout: T });
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-item"]').length < n, total, { timeout: T });
  const narrowed = await admin.locator(tid('pirep-item')).count();
  const allUrgent = await admin.evaluate(() => [...document.querySelectorAll('[data-testid="pirep-item"]')].every((r) => r.getAttribute('data-urgent') === 'true'));
  expect(narrowed > 0 && allUrgent, `urgent only: ${narrowed} rows, all urgent`);
  const hash = await admin.evaluate(() => location.hash);
  await admin.reload();
  await admin.waitForSelector(tid('pirep-item'), { timeout: T });
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-item"]').length === n, narrowed, { timeout: T });
  expect((await admin.evaluate(() => location.hash)) === hash, 'the URL kept the filters');
  expect(await admin.isChecked(tid('filter-urgent')), 'urgent only still checked after reload');
  expect((await admin.locator(tid('filter-minfl')).inputValue()) === '100', 'lowest FL still 100 after reload');
  await screen(admin, '14-pireps-filtered');
  await admin.click(tid('filter-reset'));
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-item"]').length === n, total, { timeout: T });

  // near a station: a box around it, in the URL
  await admin.fill(tid('filter-near'), 'DEN');
  await admin.click(tid('filter-near-apply'));
  await admin.waitForFunction(() => /near=DEN/.test(location.hash) && /bbox=/.test(location.hash), null, { timeout: T });
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-item"]').length < n, total, { timeout: T });
  await admin.waitForSelector(tid('map-area'), { timeout: T });
  await screen(admin, '15-pireps-near-den');
  await admin.click(tid('filter-area-clear'));

  // a drawn box
  await admin.click(tid('filter-draw'));
  const box = await admin.locator(tid('map-draw-layer')).boundingBox();
  await admin.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.15);
  await admin.mouse.down();
  await admin.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 5 });
  await admin.mouse.up();
  await admin.waitForFunction(() => /bbox=/.test(location.hash) && !/near=/.test(location.hash), null, { timeout: T });
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-item"]').length < n, total, { timeout: T });
  await admin.click(tid('filter-area-clear'));
  await admin.waitForFunction((n) => document.querySelectorAll('[data-testid="pirep-item"]').length === n, total, { timeout: T });
});

await step('selecting a marker selects its row and vice versa', async () => {
  // markers overlap where reports cluster: select one with the keyboard (focus + Enter)
  const marker = admin.locator(tid('pirep-marker')).first();
  const id = await marker.getAttribute('data-pirep-id');
  await marker.focus();
  await admin.keyboard.press('Enter');
  await admin.waitForSelector(`${tid('pirep-item')}[data-pirep-id="${id}"][data-selected="true"]`, { timeout: T });
  const row = admin.locator(tid('pirep-item')).nth(3);
  const rid = await row.getAttribute('data-pirep-id');
  await row.locator(tid('pirep-select')).click();
  await admin.waitForSelector(`${tid('pirep-marker')}[data-pirep-id="${rid}"][aria-pressed="true"]`, { state: 'attached', timeout: T });
});

await step("admin retracts the urgent report after confirming; its marker leaves the pilot's map live", async () => {
  const id = urgentId;
  await pilot.click(tid('nav-pireps'));
  await pilot.waitForSelector(`${tid('pirep-marker')}[data-pirep-id="${id}"]`, { state: 'attached', timeout: T });
  const navBefore = await pilot.evaluate(() => performance.timeOrigin);
  const row = admin.locator(`${tid('pirep-item')}[data-pirep-id="${id}"]`);
  await row.locator(tid('pirep-retract')).click();
  await admin.waitForSelector(tid('retract-dialog'), { timeout: T });
  await screen(admin, '16-retract-confirm');
  await admin.fill(tid('retract-reason'), 'E2E: wrong position');
  await admin.click(tid('retract-confirm'));
  await admin.waitForSelector(`${tid('pirep-marker')}[data-pirep-id="${id}"]`, { state: 'detached', timeout: T });
  await pilot.waitForSelector(`${tid('pirep-marker')}[data-pirep-id="${id}"]`, { state: 'detached', timeout: T });
  expect(navBefore === (await pilot.evaluate(() => performance.timeOrigin)), 'the pilot page was not reloaded');
  await screen(pilot, '17-pireps-phone-after-retract');
});

await step('phone: header on one line, tables as labelled cards, no sideways scrolling', async () => {
  const header = await pilot.evaluate(() => document.querySelector('header').getBoundingClientRect().height);
  expect(header < 64, `header is one line at 390 px (height ${header}px)`);
  const label = await pilot.evaluate(() => getComputedStyle(document.querySelector('[data-testid="pirep-item"] td[data-label="Altitude"]'), '::before').content);
  expect(label.includes('Altitude'), `a phone table cell shows its column label, got ${label}`);
  for (const [nav, name] of [['nav-keys', '18-apikeys-phone'], ['nav-account', '19-account-phone']]) {
    await pilot.click(tid(nav));
    await pilot.waitForTimeout(200);
    await screen(pilot, name);
    const overflow = await pilot.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow <= 0, `${name}: no horizontal scrolling (overflow ${overflow}px)`);
  }
  await pilot.click(tid('nav-pireps'));
  await pilot.waitForSelector('[aria-label="PIREP map"]', { timeout: T });
});

const SUBJECT = { email: `audit-${run}@acme.test`, name: `Audit Subject ${run}`, password: 'audit subject passphrase 1' };
const ROLE_SUMMARY = `changed ${SUBJECT.name}'s role from pilot to viewer`;

await step("audit: the admin's role change is in the trail; a type filter survives a reload; the CSV export holds it", async () => {
  await admin.click(tid('nav-users'));
  await admin.waitForSelector(tid('user-form'), { timeout: T });
  await admin.fill(tid('user-email'), SUBJECT.email);
  await admin.fill(tid('user-name'), SUBJECT.name);
  await admin.fill(tid('user-password'), SUBJECT.password);
  await admin.selectOption(tid('user-role'), 'pilot');
  await admin.click(tid('user-submit'));
  const row = admin.locator(`${tid('user-row')}[data-email="${SUBJECT.email}"]`);
  await row.waitFor({ timeout: T });
  await row.locator(tid('user-role-select')).selectOption('viewer');
  await row.locator(tid('user-role-save')).click();
  await row.locator(tid('user-ok')).waitFor({ timeout: T });

  await admin.click(tid('nav-audit'));
  await admin.locator(tid('audit-summary'), { hasText: ROLE_SUMMARY }).first().waitFor({ timeout: T });
  const first = await admin.locator(tid('audit-summary')).first().textContent();
  expect(first.includes(ROLE_SUMMARY), `newest first: the role change heads the trail, got "${first}"`);

  await admin.check(tid('audit-type-user.role_changed'));
  await admin.waitForFunction(() => location.hash.includes('type=user.role_changed'), null, { timeout: T });
  const onlyRoleChanges = () =>
    admin.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="audit-item"]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-type') === 'user.role_changed');
    }, null, { timeout: T });
  await onlyRoleChanges();
  await admin.reload();
  await admin.waitForSelector(tid('audit-filters'), { timeout: T });
  expect(await admin.isChecked(tid('audit-type-user.role_changed')), 'the type filter is still set after the reload');
  expect(!(await admin.isChecked(tid('audit-type-user.created'))), 'other types stay unset');
  await onlyRoleChanges();
  await admin.locator(tid('audit-summary'), { hasText: ROLE_SUMMARY }).first().waitFor({ timeout: T });

  const [download] = await Promise.all([admin.waitForEvent('download', { timeout: T }), admin.click(tid('audit-export-csv'))]);
  expect(download.suggestedFilename().endsWith('.csv'), `a .csv file, got ${download.suggestedFilename()}`);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines[0].startsWith('occurred_at,event_id,stream_id,version,type'), `the CSV header row, got "${lines[0]}"`);
  expect(lines.some((l) => l.includes(ROLE_SUMMARY)), 'the CSV holds the role change');
  expect(lines.slice(1).every((l) => l.includes('user.role_changed')), 'the export has the same filter');

  await admin.locator('[data-testid="audit-item"] summary').first().click();
  await admin.waitForSelector(`${tid('audit-payload')}:visible`, { timeout: T });
  const payload = await admin.locator(`${tid('audit-payload')}:visible`).first().textContent();
  expect(payload.includes('"role": "viewer"'), `the payload on demand, got ${payload.slice(0, 80)}`);
  await screen(admin, '25-audit-filtered');
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.waitForTimeout(200);
  await screen(admin, '26-audit-phone');
  const label = await admin.evaluate(() => getComputedStyle(document.querySelector('[data-testid="audit-item"] td[data-label="Summary"]'), '::before').content);
  expect(label.includes('Summary'), `phone: the audit table is labelled cards, got ${label}`);
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow <= 0, `audit at phone width: no horizontal scrolling (overflow ${overflow}px)`);
  await admin.setViewportSize({ width: 1280, height: 900 });
});

await step("history: a user's History tab and a PIREP's show their own stream", async () => {
  await admin.click(tid('nav-users'));
  const row = admin.locator(`${tid('user-row')}[data-email="${SUBJECT.email}"]`);
  await row.waitFor({ timeout: T });
  await row.locator(`${tid('user-history')} > summary`).click();
  await row.locator(tid('audit-summary'), { hasText: ROLE_SUMMARY }).waitFor({ timeout: T });
  const types = await row.locator(tid('audit-item')).evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
  expect(types.includes('user.created') && types.includes('user.role_changed'), `the user's created and role_changed entries, got ${types}`);
  const streams = await row.locator(tid('audit-item')).evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-stream-id')))]);
  expect(streams.length === 1 && streams[0].startsWith('user-'), `only the user's stream, got ${streams}`);
  await screen(admin, '27-user-history');
  await admin.click(tid('nav-pireps'));
  const prow = admin.locator(tid('pirep-item')).first();
  await prow.waitFor({ timeout: T });
  const pid = await prow.getAttribute('data-pirep-id');
  await prow.locator(tid('pirep-history')).click();
  const dlg = admin.locator(`${tid('history-dialog')}[open]`);
  await dlg.locator(`${tid('audit-item')}[data-stream-id="pirep-${pid}"][data-type="pirep.submitted"]`).waitFor({ timeout: T });
  const pstreams = await dlg.locator(tid('audit-item')).evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-stream-id')))]);
  expect(pstreams.length === 1, `only the PIREP's stream, got ${pstreams}`);
  const wide = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(wide <= 0, `the PIREP history keeps the page within its width (overflow ${wide}px)`);
  await screen(admin, '28-pirep-history');
  await dlg.locator(tid('history-close')).click();
  await admin.waitForSelector(tid('history-dialog'), { state: 'detached', timeout: T });
});

await step('platform admin suspends the tenant (confirmed); its signed-in users see tenant_suspended; reactivated, they work again', async () => {
  await signIn(root, ADMIN);
  await root.click(tid('nav-tenants'));
  const row = root.locator(`${tid('tenant-row')}[data-tenant-id="${seeded.tenant_id}"]`);
  await row.waitFor({ timeout: T });
  // rename another tenant, confirmed in a dialog
  const other = root.locator(tid('tenant-row'), { hasText: TENANT });
  await other.locator(tid('tenant-rename')).click();
  await root.fill(tid('tenant-rename-name'), `${TENANT} renamed`);
  await root.click(tid('tenant-confirm'));
  await root.locator(tid('tenant-row'), { hasText: `${TENANT} renamed` }).waitFor({ timeout: T });

  await row.locator(tid('tenant-suspend')).click();
  await root.waitForSelector(`${tid('tenant-dialog')}[open]`, { timeout: T });
  await screen(root, '29-tenant-suspend-confirm');
  await root.click(tid('tenant-confirm'));
  await root.locator(`${tid('tenant-row')}[data-tenant-id="${seeded.tenant_id}"][data-status="suspended"]`).waitFor({ timeout: T });
  expect((await row.locator(tid('tenant-status')).textContent()).trim() === 'suspended', 'the row shows a suspended badge');

  // the tenant's signed-in users: one clear message, and the WebSocket stops retrying
  for (const p of [pilot, admin]) {
    await p.waitForSelector(tid('tenant-suspended'), { timeout: T });
    await p.waitForSelector(`${tid('ws-state')}[data-state="refused"]`, { state: 'attached', timeout: T });
  }
  await screen(pilot, '30-pilot-tenant-suspended-phone');

  // the platform tenant cannot be suspended: the 409 is shown
  const platformRow = root.locator(`${tid('tenant-row')}:has(.badge:text-is("platform"))`);
  await platformRow.locator(tid('tenant-suspend')).click();
  await root.click(tid('tenant-confirm'));
  const err = await root.locator(tid('tenant-error')).textContent({ timeout: T });
  expect(err.includes('platform tenant cannot be suspended'), `a 409 message, got "${err}"`);
  await screen(root, '31-tenant-suspend-platform-refused');
  await root.click(tid('tenant-cancel'));
  await screen(root, '32-tenants-suspended');
  await root.setViewportSize({ width: 390, height: 844 });
  await screen(root, '33-tenants-phone');
  await root.setViewportSize({ width: 1280, height: 900 });

  await row.locator(tid('tenant-reactivate')).click();
  await root.click(tid('tenant-confirm'));
  await root.locator(`${tid('tenant-row')}[data-tenant-id="${seeded.tenant_id}"][data-status="active"]`).waitFor({ timeout: T });

  // the platform admin reads the tenant's trail through the tenant picker
  await root.click(tid('nav-audit'));
  await root.selectOption(tid('audit-tenant'), seeded.tenant_id);
  await root.waitForFunction((t) => location.hash.includes(`tenant=${t}`), seeded.tenant_id, { timeout: T });
  await root.locator(tid('audit-summary'), { hasText: ROLE_SUMMARY }).first().waitFor({ timeout: T });
  await screen(root, '34-audit-platform-picker');

  for (const p of [pilot, admin]) {
    await p.click(tid('tenant-suspended-retry'));
    await p.waitForSelector(tid('tenant-suspended'), { state: 'detached', timeout: T });
    await waitLive(p);
    await p.waitForSelector('[aria-label="PIREP map"]', { timeout: T });
  }
});

await step('admin deactivates the pilot after confirming; the pilot page falls back to login', async () => {
  await admin.click(tid('nav-users'));
  const row = admin.locator(`${tid('user-row')}[data-email="${PILOT.email}"]`);
  await row.waitFor({ timeout: T });
  admin.once('dialog', (d) => void d.accept());
  await row.locator(tid('user-deactivate')).click();
  await row.locator(tid('user-status'), { hasText: 'deactivated' }).waitFor({ timeout: T });
  await row.locator(tid('user-ok')).waitFor({ timeout: T });
  await screen(admin, '20-users-deactivated');
  await admin.setViewportSize({ width: 390, height: 844 }); // the admin screens at phone width
  await screen(admin, '21-users-phone');
  await admin.click(tid('nav-pireps'));
  await admin.waitForSelector('[aria-label="PIREP map"]', { timeout: T });
  await screen(admin, '22-pireps-admin-phone');
  await admin.click(tid('nav-submit'));
  await admin.waitForSelector(tid('pirep-form'), { timeout: T });
  await screen(admin, '23-submit-admin-phone');
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow <= 0, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
  await admin.setViewportSize({ width: 1280, height: 900 });
  await pilot.waitForSelector(tid('login-form'), { timeout: T });
  await screen(pilot, '24-pilot-back-at-login');
});

await step('the deactivated pilot cannot sign in again', async () => {
  await pilot.fill(tid('login-email'), PILOT.email);
  await pilot.fill(tid('login-password'), PILOT.password);
  await pilot.click(tid('login-submit'));
  await pilot.waitForSelector(tid('login-error'), { timeout: T });
  expect(!(await pilot.isVisible(tid('whoami'))), 'not signed in');
});

await step('admin erases the deactivated pilot after confirming; the card shows [erased], without actions', async () => {
  await admin.click(tid('nav-users'));
  const row = admin.locator(`${tid('user-row')}[data-email="${PILOT.email}"]`);
  await row.waitFor({ timeout: T });
  const userId = await row.getAttribute('data-user-id');
  let asked = '';
  admin.once('dialog', (d) => {
    asked = d.message();
    void d.accept();
  });
  await row.locator(tid('user-erase')).click();
  const erased = admin.locator(`${tid('user-row')}[data-user-id="${userId}"]`);
  await erased.locator(tid('user-status'), { hasText: 'erased' }).waitFor({ timeout: T });
  expect(asked.includes('cannot be undone'), `the confirmation explains erasure: ${asked}`);
  expect((await erased.getAttribute('data-email')) === '[erased]', 'the e-mail reads [erased]');
  expect((await erased.locator(tid('user-erase')).count()) === 0, 'no second Erase');
  expect((await erased.locator(tid('user-reactivate')).count()) === 0, 'an erased user cannot be reactivated');
  expect(!(await admin.locator(tid('user-list')).innerText()).includes(PILOT.email), 'the address is gone from the list');
  await screen(admin, '25-users-erased');
});

await step('no request left the origin and no page error', async () => {
  expect(foreign.length === 0, `requests to other origins: ${foreign.slice(0, 5).join(', ')}`);
  expect(consoleErrors.length === 0, `page errors: ${consoleErrors.slice(0, 5).join(' | ')}`);
});

const axeBad = axeRuns.flatMap((r) => r.violations.filter((v) => ['critical', 'serious', 'moderate'].includes(v.impact)).map((v) => ({ screen: r.screen, ...v })));
await step(`axe-core: 0 critical, serious or moderate violations on ${axeRuns.length} screens`, async () => {
  for (const v of axeBad) console.log(`       axe ${v.impact} ${v.id} on ${v.screen}: ${v.help} (${v.targets.join(' | ')})`);
  expect(axeRuns.length >= 20, `axe ran on every screen (${axeRuns.length})`);
  expect(axeBad.length === 0, `${axeBad.length} violations`);
});

await step('the console runs under its Content-Security-Policy without a violation', async () => {
  expect(/script-src 'self'/.test(cspHeader) && !/unsafe-inline/.test(cspHeader), `CSP served: ${cspHeader || '(none)'}`);
  expect(cspViolations.length === 0, `CSP violations: ${cspViolations.slice(0, 5).join(' | ')}`);
});

await browser.close();

const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);
const minor = axeRuns.flatMap((r) => r.violations.filter((v) => v.impact === 'minor').map((v) => `${r.screen}:${v.id}`));
const summary = {
  submissions: sorted.length,
  submit_to_admin_table_ms: { p50: pct(50), p90: pct(90), max: sorted.at(-1) ?? null, min: sorted[0] ?? null, all: latencies },
  arrival_ms: arrival,
  axe: { screens: axeRuns.length, critical_serious_moderate: axeBad, minor },
  steps: results,
};
writeFileSync(RESULTS, JSON.stringify(summary, null, 2));
if (sorted.length) {
  console.log(`submit->admin table latency over ${sorted.length} submissions: p50 ${pct(50)} ms, p90 ${pct(90)} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`);
}
console.log(`axe: ${axeRuns.length} screens, ${axeBad.length} critical/serious/moderate, ${minor.length} minor`);
const passed = results.filter((r) => r.ok).length;
console.log(`e2e: ${passed} passed, ${results.length - passed} failed`);
process.exit(results.length === passed ? 0 : 1);
