// walk.mjs: the /webhook dashboard walked in headless Chromium (started by
// tests/browser/run, which provides the stack and the environment below).
// Cases run in order and share state (an endpoint created in one is used by
// the next); each prints "PASS: name" or "FAIL: name", the last line is
// "N passed, N failed". Screenshots of every page go to HL_SCREENSHOTS.
//
// Environment: HL_BASE_URL, HL_API_KEY, HL_ADMIN_EMAIL, HL_VIEWER_EMAIL,
// HL_PASSWORD, HL_RECEIVERS (JSON file: ok, fail, control URLs), HL_CONFIG,
// HL_CTL, HL_RUNNER, HL_TMP, HL_CHROMIUM, HL_SCREENSHOTS.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const BASE = env.HL_BASE_URL;
const RCV = JSON.parse(fs.readFileSync(env.HL_RECEIVERS, 'utf8'));
const SHOTS = env.HL_SCREENSHOTS;
const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];
const EVENT = 'sms.delivered';
const AUTH_EVENT = 'user.registered';

// ---------------------------------------------------------------------------
// Helpers

class Failure extends Error {}

function check(cond, message) {
	if (!cond)
		throw new Failure(message);
}

async function api(method, p, body) {
	const res = await fetch(BASE + p, {
		method,
		headers: { Authorization: 'Bearer ' + env.HL_API_KEY, 'Content-Type': 'application/json',
			Accept: 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON */ }
	return { status: res.status, body: json, text };
}

function runner(...args) {
	return execFileSync(env.HL_RUNNER, ['--config', env.HL_CONFIG, ...args],
		{ encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function received(name) {
	const res = await fetch(RCV.control + '/requests/' + name);
	return res.json();
}

// Standard Webhooks v1 signature, computed here (not by hookline).
function signatureValid(secret, headers, body) {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
	const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
	const want = crypto.createHmac('sha256', key).update(signed).digest('base64');
	return (headers['webhook-signature'] || '').split(' ').some((s) => s === 'v1,' + want);
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

// Waits for a navigation started by action; returns the main response.
async function navigate(page, action) {
	const [resp] = await Promise.all([page.waitForNavigation(), action()]);
	return resp;
}

// The literal text is on the page as text (so it was escaped, not parsed).
async function visibleText(page, text) {
	const loc = page.getByText(text, { exact: false }).first();
	await loc.waitFor({ state: 'visible' });
}

async function noHostileMarkup(page) {
	// Neither value may have become an element.
	const n = await page.evaluate(() =>
		document.querySelectorAll('main script, img[src="x"], img[onerror]').length);
	check(n === 0, `${n} injected element(s) on ${page.url()}`);
}

// Presses Tab until the element with this id has the focus.
async function tabTo(page, id) {
	for (let i = 0; i < 15; i++) {
		await page.keyboard.press('Tab');
		if (await page.evaluate(() => document.activeElement && document.activeElement.id) === id)
			return;
	}
	throw new Failure(`Tab never reached #${id}`);
}

async function login(page, email, password) {
	await page.goto(BASE + '/webhook/login');
	await page.fill('#email', email);
	await page.fill('#password', password);
	await navigate(page, () => page.click('button[type=submit]'));
}

// ---------------------------------------------------------------------------
// The walk

const state = {};
const cases = [];
function step(name, fn) {
	cases.push({ name, fn });
}

step('login_wrong_password_inline_error_keyboard_only', async ({ page }) => {
	await page.goto(BASE + '/webhook');
	check(page.url().includes('/webhook/login'), 'not sent to the login page: ' + page.url());
	await shot(page, 'login');
	await tabTo(page, 'email');
	await page.keyboard.type(env.HL_ADMIN_EMAIL);
	await page.keyboard.press('Tab');
	await page.keyboard.type('not the password');
	let resp = await navigate(page, () => page.keyboard.press('Enter'));
	check(resp.status() === 401, 'wrong password answered ' + resp.status());
	await page.locator('p.error[role=alert]', { hasText: 'Wrong email or password' }).waitFor();
	check(await page.inputValue('#email') === env.HL_ADMIN_EMAIL, 'email not kept');
	await shot(page, 'login-error');
	// Again with the keyboard only: the email is kept, so Tab to the password.
	await tabTo(page, 'password');
	await page.keyboard.type(env.HL_PASSWORD);
	resp = await navigate(page, () => page.keyboard.press('Enter'));
	check(new URL(page.url()).pathname === '/webhook', 'after login at ' + page.url());
	await page.locator('h1', { hasText: 'Overview' }).waitFor();
});

step('create_form_errors_keep_input', async ({ page }) => {
	await page.goto(BASE + '/webhook/manage');
	await navigate(page, () => page.click('a.button:has-text("New webhook")'));
	const badUrl = 'ftp://example.test/' + HOSTILE[1];
	await page.fill('#url', badUrl);
	await page.fill('#description', HOSTILE[0]);
	await page.check('#sub-' + EVENT.replace('.', '\\.'));
	const resp = await navigate(page, () => page.click('button:has-text("Create webhook")'));
	check(resp.status() === 422, 'bad URL answered ' + resp.status());
	await page.locator('#err-url.field-error').waitFor();
	check(await page.getAttribute('#url', 'aria-invalid') === 'true', 'url not marked invalid');
	check(await page.inputValue('#url') === badUrl, 'typed URL not kept: ' + await page.inputValue('#url'));
	check(await page.inputValue('#description') === HOSTILE[0], 'description not kept');
	check(await page.isChecked('#sub-' + EVENT.replace('.', '\\.')), 'subscription not kept');
	await noHostileMarkup(page);
	await shot(page, 'manage-new-errors');
});

step('create_endpoint_with_subscription_secret_shown_once', async ({ page }) => {
	// Continues on the form with errors: fix the URL (hostile query part).
	const url = RCV.ok + '?q=' + HOSTILE[0];
	await page.fill('#url', url);
	const resp = await navigate(page, () => page.click('button:has-text("Create webhook")'));
	check(resp.status() === 200, 'create answered ' + resp.status());
	check(resp.request().redirectedFrom() !== null && resp.request().redirectedFrom().method() === 'POST',
		'the created page is the POST answer itself, not a redirect');
	const secret = await page.inputValue('#secret');
	check(/^whsec_[A-Za-z0-9+/=]{20,}$/.test(secret), 'no secret shown: ' + secret);
	await visibleText(page, 'This secret is shown only now');
	const id = (await page.textContent('main')).match(/wh_[0-9a-z]{26}/i);
	check(id, 'no endpoint id on the page');
	state.ok = { id: id[0], secret };
	await page.click('button[data-copy=secret]');
	await page.locator('button[data-copy=secret]', { hasText: 'Copied' }).waitFor();
	await shot(page, 'secret-shown');
	// A reload asks nothing, posts nothing again and shows no secret.
	let dialog = false;
	page.once('dialog', (d) => { dialog = true; d.accept(); });
	await page.reload();
	check(!dialog, 'the reload asked to send the form again');
	check((await page.content()).indexOf(secret) < 0 && !await page.isVisible('#secret'),
		'the reload shows the secret again');
	await visibleText(page, 'is shown once');
	await shot(page, 'secret-reloaded');
	const eps = (await api('GET', '/webhooks')).body.data.filter((e) => e.url === url);
	check(eps.length === 1, `${eps.length} endpoints after a reload`);
	await navigate(page, () => page.click('a.button:has-text("Done")'));
	check((await page.content()).indexOf(secret) < 0, 'the secret is shown again on the edit page');
	check(await page.isChecked('#sub-' + EVENT.replace('.', '\\.')), 'subscription not saved');
	check(await page.inputValue('#description') === HOSTILE[0], 'description not saved');
	const ep = await api('GET', '/webhooks/' + state.ok.id);
	check(ep.status === 200 && ep.body.event_types.join() === EVENT, 'API shows ' + ep.text);
	await shot(page, 'manage-edit');
});

step('manage_list_shows_hostile_values_as_text', async ({ page }) => {
	await page.goto(BASE + '/webhook/manage');
	await page.getByText(HOSTILE[0], { exact: true }).first().waitFor();
	await visibleText(page, '?q=' + HOSTILE[0]);
	await noHostileMarkup(page);
	await shot(page, 'manage');
});

step('test_send_shows_request_and_response', async ({ page }) => {
	await page.goto(BASE + '/webhook/testing');
	await page.selectOption('#webhook_id', state.ok.id);
	await page.selectOption('#type', EVENT);
	const payload = JSON.stringify({ note: HOSTILE[0], other: HOSTILE[1] });
	await page.fill('#payload', payload);
	const resp = await navigate(page, () => page.click('button:has-text("Send test")'));
	check(resp.status() === 200, 'test send answered ' + resp.status());
	const result = page.locator('#result');
	await result.waitFor();
	await result.locator('.badge.ok', { hasText: 'success' }).waitFor();
	await result.locator('table.kv th', { hasText: 'webhook-signature' }).first().waitFor();
	await result.locator('.tag', { hasText: 'HTTP 200' }).waitFor();
	await result.locator('pre', { hasText: '"received": true' }).waitFor();
	check(await page.inputValue('#payload') === payload, 'payload not kept');
	await noHostileMarkup(page);
	const got = await received('ok');
	check(got.length === 1, `the receiver got ${got.length} requests`);
	// The page shows exactly the body that was sent (hostile parts as text).
	const shown = await result.locator('pre').first().textContent();
	check(shown === got[0].body, 'shown body differs from the received one: ' + shown);
	const sig = await result.locator('table.kv tr', { hasText: 'webhook-signature' }).first()
		.locator('td').textContent();
	check(sig === got[0].headers['webhook-signature'], 'shown signature differs: ' + sig);
	check(signatureValid(state.ok.secret, got[0].headers, got[0].body), 'bad signature at the receiver');
	check(JSON.parse(got[0].body).data.note === HOSTILE[0], 'payload changed on the way');
	await shot(page, 'testing');
});

step('publish_then_runner_delivery_succeeds', async ({ page }) => {
	const r = await api('POST', '/webhooks/publish', { event_type: EVENT, payload: { text: HOSTILE[1] } });
	check(r.status === 202, 'publish answered ' + r.text);
	state.event = r.body.id;
	runner('--once');
	await page.goto(BASE + '/webhook/deliveries?webhook_id=' + state.ok.id);
	const row = page.locator('table.list tbody tr').first();
	await row.locator('.badge.st-succeeded').waitFor();
	await noHostileMarkup(page);
	await shot(page, 'deliveries');
	await navigate(page, () => row.locator('a').first().click());
	await page.locator('section.attempt .badge.ok', { hasText: 'success' }).waitFor();
	await page.locator('section.attempt .tag', { hasText: 'HTTP 200' }).waitFor();
	await page.locator('section.attempt th', { hasText: 'webhook-signature' }).first().waitFor();
	await shot(page, 'delivery');
	await navigate(page, () => page.click(`a:has-text("${state.event}")`));
	await page.locator('h1', { hasText: state.event }).waitFor();
	await page.locator('pre', { hasText: HOSTILE[1] }).waitFor();
	await page.locator('table.list .badge.st-succeeded').waitFor();
	await noHostileMarkup(page);
	await shot(page, 'event');
	const got = await received('ok');
	check(got.length === 2 && signatureValid(state.ok.secret, got[1].headers, got[1].body),
		'the runner delivery was not received signed');
});

step('events_catalog_and_hostile_search', async ({ page }) => {
	await page.goto(BASE + '/webhook/events');
	await page.locator('dl.catalog code', { hasText: EVENT }).first().waitFor();
	await page.locator(`table.list a:has-text("${state.event}")`).waitFor();
	await shot(page, 'events');
	for (const h of HOSTILE) {
		await page.fill('#type', h);
		await navigate(page, () => page.click('button:has-text("Search")'));
		check(await page.inputValue('#type') === h, 'search box lost the typed value');
		await noHostileMarkup(page);
	}
	await shot(page, 'events-hostile-search');
});

step('failing_receiver_retries_then_dead_letter', async ({ page }) => {
	await page.goto(BASE + '/webhook/manage/new');
	await page.fill('#url', RCV.fail + '?x=' + encodeURIComponent(HOSTILE[1]));
	await page.fill('#description', HOSTILE[1]);
	await page.check('#sub-' + EVENT.replace('.', '\\.'));
	const resp = await navigate(page, () => page.click('button:has-text("Create webhook")'));
	check(resp.status() === 200, 'create answered ' + resp.status());
	const id = (await page.textContent('main')).match(/wh_[0-9a-z]{26}/i)[0];
	state.fail = { id };
	// Two attempts with no wait between them: dead after one runner pass.
	const put = await api('PUT', '/webhooks/' + id, { retry_schedule: '0,0' });
	check(put.status === 200 && put.body.retry_schedule === '0,0', 'retry_schedule: ' + put.text);
	const r = await api('POST', '/webhooks/publish', { event_type: EVENT, payload: { n: 2 } });
	check(r.status === 202, 'publish answered ' + r.text);
	state.event2 = r.body.id;
	let d = null;
	for (let i = 0; i < 10; i++) {
		runner('--once');
		d = (await api('GET', `/webhooks/${id}/deliveries`)).body.data[0];
		if (d && d.status === 'dead')
			break;
	}
	check(d && d.status === 'dead' && d.attempts === 2, 'delivery not dead: ' + JSON.stringify(d));
	state.dead = d.id;
	check((await received('fail')).length === 2, 'the failing receiver did not get 2 requests');
	// The dead-letter filter of the deliveries log.
	await page.goto(BASE + '/webhook/deliveries');
	await page.selectOption('#status', 'dead');
	await navigate(page, () => page.click('button:has-text("Filter")'));
	check(page.url().includes('status=dead'), 'filter not in the URL: ' + page.url());
	const rows = page.locator('table.list tbody tr');
	await rows.first().locator('.badge.st-dead').waitFor();
	check(await rows.count() === 1, 'dead filter shows ' + await rows.count() + ' rows');
	check(await page.locator('table.list .badge.st-succeeded').count() === 0, 'succeeded rows under dead');
	await shot(page, 'deliveries-dead');
	await navigate(page, () => rows.first().locator(`a:has-text("${state.dead}")`).click());
	await page.locator('dl.meta .badge.st-dead').waitFor();
	const attempts = page.locator('section.attempt');
	check(await attempts.count() === 2, 'attempt sections: ' + await attempts.count());
	check(await page.locator('section.attempt .tag', { hasText: 'HTTP 500' }).count() === 2, 'no HTTP 500 shown');
	// The receiver's markup is shown as text.
	await page.locator('section.attempt pre', { hasText: '<h1>upstream down</h1><script>alert(1)</script>' })
		.first().waitFor();
	await noHostileMarkup(page);
	await shot(page, 'delivery-dead');
});

step('retry_dead_letter_from_its_page', async ({ page }) => {
	await page.goto(BASE + '/webhook/deliveries/' + state.dead);
	await navigate(page, () => page.click('button:has-text("Retry now")'));
	await page.locator('p.notice', { hasText: 'Queued again' }).waitFor();
	await page.locator('dl.meta .badge.st-pending').waitFor();
	const d = await api('GET', '/webhooks/deliveries/' + state.dead);
	check(d.body.status === 'pending', 'API shows ' + d.body.status);
	await shot(page, 'delivery-retried');
	// Back to dead so the overview shows a dead letter and a failing endpoint.
	runner('--once');
});

step('bulk_retry_says_what_it_queues_and_asks_first', async ({ page }) => {
	// No status filter: the button is about dead letters only.
	await page.goto(BASE + '/webhook/deliveries');
	const bulk = page.locator('form[action$="/deliveries/retry"]');
	await bulk.locator('button', { hasText: 'Retry dead deliveries' }).waitFor();
	check(await bulk.locator('p', { hasText: 'deliveries in other states are left as they are' }).count() === 1,
		'the bulk form does not say it leaves succeeded deliveries alone');
	await navigate(page, () => bulk.locator('button').click());
	await page.locator('h1', { hasText: 'Queue deliveries again?' }).waitFor();
	await page.locator('main p', { hasText: /^1 dead delivery matches/ }).waitFor();
	check((await api('GET', '/webhooks/deliveries/' + state.dead)).body.status === 'dead',
		'queued before it was confirmed');
	await shot(page, 'deliveries-retry-confirm');
	await page.setViewportSize({ width: 390, height: 844 });
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	await shot(page, 'mobile-deliveries-retry-confirm');
	await page.setViewportSize({ width: 1280, height: 800 });
	check(w <= 390, `the confirmation is ${w}px wide at 390px`);
	await navigate(page, () => page.click('a:has-text("Cancel")'));
	check(new URL(page.url()).pathname === '/webhook/deliveries', 'cancel went to ' + page.url());
	check((await api('GET', '/webhooks/deliveries/' + state.dead)).body.status === 'dead', 'cancel queued it');
	// Only the dead letters of a filtered list, then confirmed.
	await page.goto(BASE + '/webhook/deliveries?status=dead&webhook_id=' + state.fail.id);
	await navigate(page, () => page.click('button:has-text("Retry dead deliveries")'));
	await navigate(page, () => page.click('button:has-text("Retry them")'));
	await page.locator('main p', { hasText: '1 delivery is queued again' }).waitFor();
	check((await api('GET', '/webhooks/deliveries/' + state.dead)).body.status === 'pending', 'not queued');
	await shot(page, 'deliveries-retried');
	// Reloading the result queues nothing again (nor asks to post again).
	let dialog = false;
	page.once('dialog', (d) => { dialog = true; d.accept(); });
	await page.reload();
	check(!dialog, 'the reload asked to send the retry again');
	const audits = (await api('GET', '/webhooks/audit?limit=100')).body.data
		.filter((a) => a.action === 'delivery.retry_bulk');
	check(audits.length === 1, `${audits.length} bulk retries after a reload`);
	// Dead again, for the overview.
	let d = null;
	for (let i = 0; i < 10 && !(d && d.status === 'dead'); i++) {
		runner('--once');
		d = (await api('GET', '/webhooks/deliveries/' + state.dead)).body;
	}
	check(d.status === 'dead', 'delivery not dead again: ' + d.status);
});

step('overview_shows_counts', async ({ page }) => {
	await page.goto(BASE + '/webhook');
	await page.locator('a.stat.bad .lbl', { hasText: 'dead letter' }).waitFor();
	await page.locator(`ul.plain a[href$="/manage/${state.fail.id}"]`).waitFor();
	await noHostileMarkup(page);
	await shot(page, 'overview');
});

step('local_times_name_their_zone', async ({ page }) => {
	// Tables show times in the reader's zone while the filters take UTC:
	// each time says which zone it is in (the walk runs in Europe/Berlin).
	await page.goto(BASE + '/webhook/deliveries');
	const t = page.locator('table.list time[datetime]').first();
	await t.waitFor();
	const [text, utc] = await Promise.all([t.textContent(), t.getAttribute('datetime')]);
	check(/GMT\+1|CET/.test(text), `a time shows no zone: "${text}" (${utc})`);
	check(await t.getAttribute('title') === utc + ' UTC', 'the title lost the UTC time');
});

step('analytics_chart_and_csv_export', async ({ page }) => {
	await page.goto(BASE + '/webhook/analytics');
	const bars = page.locator('svg.chart rect.bar');
	await bars.first().waitFor({ state: 'attached' });
	const heights = await bars.evaluateAll((els) => els.map((e) => parseFloat(e.getAttribute('height'))));
	check(heights.some((h) => h > 0), 'no bar with data: ' + heights.join());
	const points = await page.getAttribute('svg.chart polyline.line-rate', 'points');
	check(points && points.trim().split(/\s+/).length >= 1, 'no success-rate points');
	// Each point is also drawn as a dot, so a single point is visible.
	const dots = await page.locator('svg.chart path.dots.rate').boundingBox();
	check(dots && dots.width > 0 && dots.height > 0, 'success-rate dots not drawn');
	await page.locator('svg.chart polyline.line-p50').waitFor({ state: 'attached' });
	await page.locator('table.list td', { hasText: EVENT }).first().waitFor();
	await noHostileMarkup(page);
	await shot(page, 'analytics');
	const [download] = await Promise.all([page.waitForEvent('download'),
		page.click('a:has-text("Export CSV")')]);
	check(/\.csv$/.test(download.suggestedFilename()), 'download named ' + download.suggestedFilename());
	const csv = fs.readFileSync(await download.path(), 'utf8');
	check(csv.startsWith('section,key,label,attempts'), 'CSV starts ' + csv.slice(0, 60));
	check(/\r\ntotal,/.test(csv), 'CSV has no total row');
	// Typing a start date chooses the custom range: the dates applied
	// only with "Custom" picked in the select above them.
	const start = new Date(Date.now() - 3 * 3600e3).toISOString().slice(0, 16);
	await page.fill('#since', start);
	check(await page.inputValue('#range') === 'custom', 'typing a date did not choose Custom');
	await navigate(page, () => page.click('button:has-text("Show")'));
	check(page.url().includes('range=custom') && page.url().includes('since='), 'shown: ' + page.url());
	check(await page.inputValue('#since') === start, 'the start typed was not kept');
});

step('rotate_secret_shown_once', async ({ page }) => {
	await page.goto(BASE + '/webhook/manage/' + state.ok.id);
	await navigate(page, () => page.click('button:has-text("Rotate secret")'));
	const secret = await page.inputValue('#secret');
	check(/^whsec_/.test(secret) && secret !== state.ok.secret, 'no new secret shown');
	await visibleText(page, 'The previous secret keeps signing');
	await shot(page, 'secret-rotated');
	await page.reload();
	check((await page.content()).indexOf(secret) < 0, 'a reload shows the new secret again');
	const rotations = (await api('GET', '/webhooks/audit?limit=100')).body.data
		.filter((a) => a.action === 'webhook.rotate_secret' && a.object_id === state.ok.id);
	check(rotations.length === 1, `${rotations.length} rotations after a reload`);
	await page.goto(BASE + '/webhook/manage/' + state.ok.id);
	check((await page.content()).indexOf(secret) < 0, 'the new secret is shown again');
	state.ok.secret = secret;
});

step('create_endpoint_with_header_and_bearer_auth_then_test_send', async ({ page }) => {
	const token = 'tok-' + crypto.randomBytes(9).toString('hex');
	await page.goto(BASE + '/webhook/manage/new');
	await page.fill('#url', RCV.ok + '/with-auth');
	await page.fill('#description', 'custom header and bearer auth');
	// Its own event type, so publishing below reaches this endpoint only.
	await page.check('#sub-' + AUTH_EVENT.replace('.', '\\.'));
	await page.fill('#header-0-name', 'X-Tenant');
	await page.fill('#header-0-value', 'acme ' + HOSTILE[0]);
	// The token field shows once "Bearer token" is chosen (CSS only).
	check(!await page.isVisible('#auth-bearer-token'), 'the token field shows before bearer is chosen');
	await page.check('#auth-bearer');
	await page.fill('#auth-bearer-token', token);
	await page.check('#retry-schedule');
	await page.fill('#retry_schedule', '0,5s,5m');
	await page.fill('#timeout_ms', '4000');
	await shot(page, 'manage-new-options');
	const resp = await navigate(page, () => page.click('button:has-text("Create webhook")'));
	check(resp.status() === 200, 'create answered ' + resp.status());
	check((await page.content()).indexOf(token) < 0, 'the token is on the created page');
	const id = (await page.textContent('main')).match(/wh_[0-9a-z]{26}/i)[0];
	state.auth = { id, token };
	const ep = await api('GET', '/webhooks/' + id);
	check(ep.body.auth.type === 'bearer' && ep.text.indexOf(token) < 0, 'API shows auth ' + ep.text);
	check(ep.body.headers['X-Tenant'] === 'acme ' + HOSTILE[0], 'API shows headers ' + ep.text);
	check(ep.body.retry_schedule === '0,5s,5m' && ep.body.timeout_ms === 4000, 'API shows ' + ep.text);
	// The edit page: the header as text, the credential only as "set".
	await page.goto(BASE + '/webhook/manage/' + id);
	check(await page.inputValue('#header-0-value') === 'acme ' + HOSTILE[0], 'header value not shown');
	check(await page.isChecked('#auth-bearer'), 'bearer not chosen on the edit page');
	check(await page.getAttribute('#auth-bearer-token', 'placeholder') === 'set — leave empty to keep',
		'no "set" placeholder for the stored token');
	check(await page.inputValue('#auth-bearer-token') === '', 'the token field is filled');
	check((await page.content()).indexOf(token) < 0, 'the token is on the edit page');
	await noHostileMarkup(page);
	await shot(page, 'manage-edit-options');
	// Save without retyping the token: it is kept.
	await navigate(page, () => page.click('button:has-text("Save")'));
	await page.locator('p.notice', { hasText: 'Saved.' }).waitFor();
	// A test event carries the header and the bearer token; the page hides the token.
	await page.goto(BASE + '/webhook/testing?webhook_id=' + id);
	await page.selectOption('#type', AUTH_EVENT);
	const sent = await navigate(page, () => page.click('button:has-text("Send test")'));
	check(sent.status() === 200, 'test send answered ' + sent.status());
	await page.locator('#result .badge.ok', { hasText: 'success' }).waitFor();
	check((await page.content()).indexOf(token) < 0, 'the token is shown on the testing page');
	await shot(page, 'testing-with-auth');
	let got = (await received('ok')).filter((q) => q.path.includes('/with-auth'));
	check(got.length === 1, `the receiver got ${got.length} requests at /with-auth`);
	check(got[0].headers['x-tenant'] === 'acme ' + HOSTILE[0], 'X-Tenant at the receiver: ' + got[0].headers['x-tenant']);
	// The test send is the runner's request: destination auth included.
	check(got[0].headers['authorization'] === 'Bearer ' + token,
		'Authorization on the test send: ' + got[0].headers['authorization']);
	// A real delivery carries both too.
	const r = await api('POST', '/webhooks/publish', { event_type: AUTH_EVENT, payload: { n: 3 } });
	check(r.status === 202, 'publish answered ' + r.text);
	runner('--once');
	got = (await received('ok')).filter((q) => q.path.includes('/with-auth'));
	check(got.length === 2, `the receiver got ${got.length} requests at /with-auth`);
	check(got[1].headers['authorization'] === 'Bearer ' + token,
		'Authorization at the receiver: ' + got[1].headers['authorization']);
	check(got[1].headers['x-tenant'] === 'acme ' + HOSTILE[0], 'X-Tenant at the receiver: ' + got[1].headers['x-tenant']);
});

step('option_error_inline_keeps_input', async ({ page }) => {
	await page.goto(BASE + '/webhook/manage/' + state.auth.id);
	await page.fill('#header-1-name', 'Bad Header');
	await page.fill('#header-1-value', HOSTILE[1]);
	const resp = await navigate(page, () => page.click('button:has-text("Save")'));
	check(resp.status() === 422, 'bad header name answered ' + resp.status());
	await page.locator('#err-headers.field-error', { hasText: 'HTTP tokens' }).waitFor();
	check(await page.inputValue('#header-1-name') === 'Bad Header', 'typed header name not kept');
	check(await page.inputValue('#header-1-value') === HOSTILE[1], 'typed header value not kept');
	check(await page.getAttribute('#header-1-name', 'aria-invalid') === 'true', 'header not marked invalid');
	check(await page.getAttribute('#header-0-name', 'aria-invalid') === null, 'the valid header row is marked');
	await noHostileMarkup(page);
	await shot(page, 'manage-edit-options-error');
	const ep = await api('GET', '/webhooks/' + state.auth.id);
	check(Object.keys(ep.body.headers).length === 1, 'the bad header was stored: ' + ep.text);
});

step('custom_event_type_from_the_events_page', async ({ page }) => {
	const name = 'orders.shipped_' + crypto.randomBytes(3).toString('hex');
	await page.goto(BASE + '/webhook/events');
	await page.click('summary:has-text("Define a custom event type")');
	await page.fill('#new-type-name', name);
	await page.fill('#new-type-description', 'An order left ' + HOSTILE[0]);
	const bad = '{"type": "object", "properties": {"qty": {"type": "integer", "minimun": 1}}}';
	await page.fill('#new-type-schema', bad);
	let resp = await navigate(page, () => page.click('button:has-text("Define event type")'));
	check(resp.status() === 422, 'bad schema answered ' + resp.status());
	await page.locator('#err-type-schema', { hasText: 'schema.properties.qty' }).waitFor();
	check(await page.inputValue('#new-type-schema') === bad, 'typed schema not kept');
	check(await page.inputValue('#new-type-name') === name, 'typed name not kept');
	await noHostileMarkup(page);
	await shot(page, 'events-define-error');
	await page.fill('#new-type-schema', bad.replace('minimun', 'minimum'));
	resp = await navigate(page, () => page.click('button:has-text("Define event type")'));
	check(resp.status() === 200, 'define answered ' + resp.status());
	await page.locator('p.notice', { hasText: 'Event type defined' }).waitFor();
	const dt = page.locator('dl.catalog dt', { hasText: name });
	await dt.locator('.tag', { hasText: 'custom' }).waitFor();
	await page.getByText('An order left ' + HOSTILE[0]).waitFor();
	await noHostileMarkup(page);
	await shot(page, 'events-defined');
	await page.goto(BASE + '/webhook/manage/' + state.auth.id);
	const box = '#sub-' + name.replace('.', '\\.');
	await page.check(box);
	await navigate(page, () => page.click('button:has-text("Save")'));
	check(await page.isChecked(box), 'the new type is not subscribed');
	const ep = await api('GET', '/webhooks/' + state.auth.id);
	check(ep.body.event_types.includes(name), 'API shows ' + ep.text);
});

step('delete_goes_through_a_confirmation_page', async ({ page }) => {
	await page.goto(BASE + '/webhook/manage');
	await navigate(page, () => page.click(`a[href$="/manage/${state.auth.id}/delete"]`));
	await page.locator('h1', { hasText: 'Delete this webhook?' }).waitFor();
	await page.locator('main code', { hasText: RCV.ok + '/with-auth' }).waitFor();
	await shot(page, 'manage-delete-confirm');
	await navigate(page, () => page.click('a:has-text("Cancel")'));
	check(new URL(page.url()).pathname === '/webhook/manage/' + state.auth.id, 'cancel went to ' + page.url());
	check((await api('GET', '/webhooks/' + state.auth.id)).status === 200, 'deleted without confirming');
	await navigate(page, () => page.click('.actions a:has-text("Delete")'));
	await navigate(page, () => page.click('button:has-text("Delete webhook")'));
	await page.locator('p.notice', { hasText: 'Endpoint deleted.' }).waitFor();
	check((await api('GET', '/webhooks/' + state.auth.id)).status === 404, 'the endpoint still exists');
	check(await page.locator(`a[href$="/manage/${state.auth.id}"]`).count() === 0, 'still listed');
});

step('create_endpoint_with_oauth2_rate_limit_and_encryption_key_shown_once', async ({ page }) => {
	const secret = 'cs-' + crypto.randomBytes(9).toString('hex');
	await page.goto(BASE + '/webhook/manage/new');
	await page.fill('#url', RCV.ok + '/encrypted');
	await page.fill('#description', 'oauth2, rate limit and encryption');
	await page.check('#sub-' + AUTH_EVENT.replace('.', '\\.'));
	// The OAuth fields show once that kind is chosen (CSS only).
	check(!await page.isVisible('#auth-oauth2-token_url'), 'the OAuth fields show before oauth2 is chosen');
	await page.check('#auth-oauth2');
	for (const f of ['token_url', 'client_id', 'client_secret', 'scope', 'audience'])
		check(await page.isVisible('#auth-oauth2-' + f), `#auth-oauth2-${f} is hidden with oauth2 chosen`);
	check(!await page.isVisible('#auth-bearer-token'), 'the bearer field shows with oauth2 chosen');
	await page.fill('#auth-oauth2-token_url', RCV.ok + '/oauth/token');
	await page.fill('#auth-oauth2-client_id', 'walk-client');
	await page.fill('#auth-oauth2-client_secret', secret);
	await page.fill('#auth-oauth2-scope', 'hooks');
	await page.fill('#rate_limit', '25');
	check(!await page.isVisible('#encryption_renew'), 'a new key is offered before there is one');
	await page.check('#encryption');
	await shot(page, 'manage-new-oauth2-encryption');
	await page.setViewportSize({ width: 390, height: 844 });
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	await shot(page, 'mobile-manage-new-oauth2-encryption');
	await page.setViewportSize({ width: 1280, height: 800 });
	check(w <= 390, `the form with the OAuth fields is ${w}px wide at 390px`);
	const resp = await navigate(page, () => page.click('button:has-text("Create webhook")'));
	check(resp.status() === 200, 'create answered ' + resp.status());
	const key = await page.inputValue('#encryption_key');
	check(Buffer.from(key, 'base64').length === 32, 'no 32-byte encryption key shown: ' + key);
	await visibleText(page, 'This key is shown only now');
	await page.locator('button[data-copy="encryption_key"]').waitFor();
	check((await page.content()).indexOf(secret) < 0, 'the client secret is on the created page');
	await shot(page, 'manage-created-encryption-key');
	const id = (await page.textContent('main')).match(/wh_[0-9a-z]{26}/i)[0];
	const ep = await api('GET', '/webhooks/' + id);
	check(ep.body.encryption === true && ep.body.rate_limit === 25, 'API shows ' + ep.text);
	check(ep.body.auth.type === 'oauth2' && ep.body.auth.client_id === 'walk-client' &&
		ep.body.auth.scope === 'hooks', 'API shows auth ' + ep.text);
	check(ep.text.indexOf(secret) < 0 && ep.text.indexOf(key) < 0, 'API shows a secret: ' + ep.text);
	// The edit page: never the key again, the OAuth settings but not the secret.
	await page.goto(BASE + '/webhook/manage/' + id);
	const html = await page.content();
	check(html.indexOf(key) < 0 && html.indexOf(secret) < 0, 'the key or secret is on the edit page');
	check(await page.isChecked('#encryption') && await page.isVisible('#encryption_renew'),
		'encryption not shown as on, or no way to a new key');
	check(await page.inputValue('#auth-oauth2-token_url') === RCV.ok + '/oauth/token', 'token URL not shown');
	check(await page.inputValue('#auth-oauth2-client_secret') === '', 'the client secret field is filled');
	check(await page.inputValue('#rate_limit') === '25', 'rate limit not shown');
	await shot(page, 'manage-edit-oauth2-encryption');
	check((await api('DELETE', '/webhooks/' + id)).status === 204, 'cleanup failed');
});

step('incoming_source_created_receives_signed_posts_and_logs_them', async ({ page }) => {
	const secret = 'gh-' + crypto.randomBytes(9).toString('hex');
	await page.goto(BASE + '/webhook');
	await navigate(page, () => page.click('nav a:has-text("Incoming")'));
	await page.locator('h1', { hasText: 'Incoming webhooks' }).waitFor();
	await page.click('summary:has-text("New source")');
	await page.fill('#src-name', HOSTILE[0]);
	await page.selectOption('#src-verify', 'github');
	await page.fill('#src-secret', secret);
	await page.fill('#src-type-map', 'push = ' + EVENT);
	// A bad URL name first: the error is inline and the rest is kept.
	await page.click('summary:has-text("URL, addresses and limits")');
	await page.fill('#src-slug', 'Not A Slug');
	let resp = await navigate(page, () => page.click('button:has-text("Create source")'));
	check(resp.status() === 422, 'bad slug answered ' + resp.status());
	await page.locator('#err-slug.field-error').waitFor();
	check(await page.getAttribute('#src-slug', 'aria-invalid') === 'true', 'slug not marked invalid');
	check(await page.inputValue('#src-name') === HOSTILE[0], 'name not kept');
	check(await page.inputValue('#src-type-map') === 'push = ' + EVENT, 'type map not kept');
	check(await page.inputValue('#src-secret') === '', 'the typed secret came back in the page');
	await noHostileMarkup(page);
	await shot(page, 'incoming-new-errors');
	const slug = 'gh-' + crypto.randomBytes(4).toString('hex');
	await page.fill('#src-slug', slug);
	await page.fill('#src-secret', secret);
	resp = await navigate(page, () => page.click('button:has-text("Create source")'));
	check(resp.status() === 200, 'create answered ' + resp.status());
	await visibleText(page, 'Source created');
	const url = await page.inputValue('#src-url');
	check(url.endsWith('/webhooks/incoming/' + slug), 'URL shown: ' + url);
	await page.click('button[data-copy=src-url]');
	await page.locator('button[data-copy=src-url]', { hasText: 'Copied' }).waitFor();
	state.source = new URL(page.url()).pathname.split('/').pop();
	// GitHub's side, signed here: one good push, one with a wrong secret.
	const post = (body, key) => fetch(BASE + '/webhooks/incoming/' + slug, {
		method: 'POST', body,
		headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push',
			'X-GitHub-Delivery': crypto.randomUUID(),
			'X-Hub-Signature-256': 'sha256=' + crypto.createHmac('sha256', key).update(body).digest('hex') } });
	const good = await post(JSON.stringify({ ref: 'main', note: HOSTILE[1] }), secret);
	check(good.status === 202, 'signed push answered ' + good.status);
	const bad = await post('{"ref": "evil"}', 'not-the-secret');
	check(bad.status === 401, 'forged push answered ' + bad.status);
	await page.reload();
	const rows = page.locator('table.list tbody tr');
	check(await rows.count() === 2, 'log rows: ' + await rows.count());
	await page.locator('table.list .badge.out-accepted').waitFor();
	await page.locator('table.list code', { hasText: 'signature_invalid' }).waitFor();
	await shot(page, 'incoming-source');
	await navigate(page, () => page.click('table.list tr:has(.out-rejected) a >> nth=0'));
	await page.locator('h1', { hasText: 'Incoming request' }).waitFor();
	await visibleText(page, 'x-hub-signature-256');
	await visibleText(page, '"ref": "evil"');
	await shot(page, 'incoming-request');
	// The accepted push was published as the mapped type and delivered.
	runner('--once');
	const got = await received('ok');
	const last = JSON.parse(got[got.length - 1].body);
	check(last.type === EVENT && last.data.body.note === HOSTILE[1], 'delivered: ' + got[got.length - 1].body);
	await page.goto(BASE + '/webhook/incoming');
	await page.getByText(HOSTILE[0], { exact: true }).first().waitFor();
	await noHostileMarkup(page);
	await shot(page, 'incoming-list');
});

step('request_inspector_shows_bytes_path_and_query', async ({ page }) => {
	await page.goto(BASE + '/webhook/testing');
	await navigate(page, () => page.click('button:has-text("Create a receive URL")'));
	await page.locator('h1', { hasText: 'Request inspector' }).waitFor();
	const id = new URL(page.url()).pathname.split('/').pop();
	const url = await page.inputValue('#inspect-url');
	check(url.endsWith('/webhook/inspect/' + id), 'receive URL shown: ' + url);
	state.inspect = '/webhook/testing/inspect/' + id;
	const query = 'token=' + encodeURIComponent(HOSTILE[1]) + '&q=a%20b';
	const send = (body, q) => fetch(url + (q ? '?' + q : ''), { method: 'POST', body,
		headers: { 'Content-Type': 'application/octet-stream' } });
	// Bytes that are not text, a NUL among them; then UTF-8 text.
	check((await send(Buffer.from([0xff, 0xfe, 0x00, 0x62, 0x69, 0x6e]), query)).status === 200,
		'binary post refused');
	check((await send('grüße ' + HOSTILE[0])).status === 200, 'text post refused');
	await page.reload();
	const [text, binary] = [page.locator('section.attempt').nth(0), page.locator('section.attempt').nth(1)];
	check(await binary.locator('pre.hexdump').textContent() ===
		'00000000  ff fe 00 62 69 6e                                 |...bin|\n',
		'hex dump: ' + await binary.locator('pre.hexdump').textContent());
	await binary.getByText('(6 bytes; not UTF-8 text, in hex)').waitFor();
	check(await binary.locator('dd code').nth(1).textContent() === query,
		'query shown: ' + await binary.locator('dd code').nth(1).textContent());
	check(await text.locator('pre').textContent() === 'grüße ' + HOSTILE[0], 'text body shown differs');
	check(await text.locator('pre.hexdump').count() === 0, 'a text body shown in hex');
	await noHostileMarkup(page);
	await shot(page, 'inspect');
});

// The innermost elements that reach past the viewport's right edge, for
// the message of a page that is too wide.
async function overflowing(page, vw) {
	return page.evaluate((vw) => {
		const wide = [...document.querySelectorAll('body *')].filter((e) =>
			e.getBoundingClientRect().right > vw + 0.5 &&
			![...e.children].some((c) => c.getBoundingClientRect().right > vw + 0.5));
		return wide.slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
			(e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' (' +
			Math.round(e.getBoundingClientRect().right) + 'px)').join(', ') || 'none found';
	}, vw);
}

// 390 px is a common phone; 360 px the narrowest still sold (and a
// 390 px one with larger text). No page may be wider than either.
step('mobile_layout_390px_and_360px', async ({ context }) => {
	const m = await context.newPage();
	try {
		for (const vw of [390, 360]) {
			await m.setViewportSize({ width: vw, height: 844 });
			for (const [p, name] of [['/webhook/manage', 'mobile-manage'], ['/webhook/analytics', 'mobile-analytics'],
				['/webhook', 'mobile-overview'], ['/webhook/deliveries', 'mobile-deliveries'],
				['/webhook/manage/new', 'mobile-manage-new'], ['/webhook/manage/' + state.ok.id, 'mobile-manage-edit'],
				['/webhook/events', 'mobile-events'], ['/webhook/incoming', 'mobile-incoming'],
				['/webhook/testing', 'mobile-testing'], ['/webhook/deliveries/' + state.dead, 'mobile-delivery'],
				['/webhook/events/' + state.event, 'mobile-event'],
				['/webhook/incoming/' + state.source, 'mobile-incoming-source'],
				[state.inspect, 'mobile-inspect'],
				['/webhook/analytics?range=custom&since=bad&until=', 'mobile-analytics-errors']]) {
				await m.goto(BASE + p);
				const w = await m.evaluate(() => document.documentElement.scrollWidth);
				await shot(m, name + (vw === 390 ? '' : '-' + vw));
				check(w <= vw, `${p} is ${w}px wide at a ${vw}px viewport: ${await overflowing(m, vw)}`);
			}
		}
	} finally {
		await m.close();
	}
});

step('long_unbroken_names_fit_the_page', async ({ context }) => {
	// A source name, a description, an event type or a URL typed as one
	// long word (ids, tokens): it breaks instead of widening the page or
	// its table past the viewport. An endpoint's description of 300
	// letters made the Manage table 2600 px wide, the other columns
	// scrolled out of view.
	const word = 'n'.repeat(300);
	const type = 'l'.repeat(60) + '.' + 'x'.repeat(60);
	const et = await api('POST', '/webhooks/events', { name: type, description: 'Long ' + word });
	check(et.status === 201, 'event type create answered ' + et.text);
	const src = await api('POST', '/webhooks/sources', { name: 'Long ' + word.slice(0, 190), slug: 'long-' +
		crypto.randomBytes(3).toString('hex'), verify: 'github', secret: 'long-name-secret',
		event_type: type });
	check(src.status === 201, 'source create answered ' + src.text);
	const ep = await api('POST', '/webhooks', { url: RCV.ok + '/' + 'p'.repeat(300), description: 'Long ' + word,
		event_types: [type] });
	check(ep.status === 201, 'endpoint create answered ' + ep.text);
	const pub = await api('POST', '/webhooks/publish', { event_type: type, payload: { v: 'w'.repeat(300) } });
	check(pub.status === 202, 'publish answered ' + pub.text);
	const dlv = (await api('GET', '/webhooks/' + ep.body.id + '/deliveries')).body.data[0].id;
	const m = await context.newPage();
	try {
		for (const [vw, tag] of [[1280, ''], [390, 'mobile-']]) {
			await m.setViewportSize({ width: vw, height: 844 });
			for (const [p, name] of [['/webhook/incoming/' + src.body.id, 'incoming-source-long-name'],
				['/webhook/manage/' + ep.body.id + '/delete', 'manage-delete-long-description'],
				['/webhook/manage', 'manage-long-description'],
				['/webhook/deliveries', 'deliveries-long-values'],
				['/webhook/deliveries/' + dlv, 'delivery-long-values'],
				['/webhook/events', 'events-long-type'],
				['/webhook/events/' + pub.body.id, 'event-long-values'],
				['/webhook/incoming', 'incoming-long-name']]) {
				await m.goto(BASE + p);
				const text = await m.textContent('main');
				check(text.includes(word.slice(0, 20)) || text.includes(type.slice(0, 20)),
					`${p} shows neither the long word nor the long type`);
				const w = await m.evaluate(() => document.documentElement.scrollWidth);
				const wide = await m.evaluate(() => [...document.querySelectorAll('.table-wrap')]
					.filter((t) => t.scrollWidth > t.clientWidth + 1)
					.map((t) => `${t.scrollWidth}px in ${t.clientWidth}px`));
				await shot(m, tag + name);
				check(w <= vw, `${p} is ${w}px wide at a ${vw}px viewport`);
				check(wide.length === 0, `${p} at ${vw}px: a table is ${wide.join(', ')}`);
			}
		}
		// Each delivery names its endpoint by URL and description, not its id alone.
		await m.setViewportSize({ width: 1280, height: 844 });
		await m.goto(BASE + '/webhook/deliveries?webhook_id=' + ep.body.id);
		check(await m.locator('table.list td code', { hasText: 'p'.repeat(40) }).count() === 1,
			'the deliveries list does not show the endpoint URL');
		await m.goto(BASE + '/webhook/deliveries/' + dlv);
		check(await m.locator('dl.meta dd code', { hasText: 'p'.repeat(40) }).count() === 1,
			'the delivery page does not show the endpoint URL');
	} finally {
		await m.close();
	}
	check((await api('DELETE', '/webhooks/' + ep.body.id)).status === 204, 'cleanup failed');
	check((await api('DELETE', '/webhooks/sources/' + src.body.id)).status === 204, 'cleanup failed');
});

step('form_without_csrf_token_is_refused', async ({ page }) => {
	await page.goto(BASE + '/webhook/manage/new');
	await page.fill('#url', RCV.ok + '/no-csrf');
	await page.check('#sub-' + EVENT.replace('.', '\\.'));
	await page.evaluate(() => document.querySelector('form.card input[name=csrf]').remove());
	const resp = await navigate(page, () => page.click('button:has-text("Create webhook")'));
	check(resp.status() === 403, 'POST without CSRF answered ' + resp.status());
	await page.locator('h1', { hasText: 'Not allowed' }).waitFor();
	await shot(page, 'csrf-refused');
	const list = await api('GET', '/webhooks');
	check(!list.body.data.some((e) => e.url.endsWith('/no-csrf')), 'the endpoint was created anyway');
	// A POST with the session cookie but without the token (the page's CSP
	// forbids fetch from scripts, so it is sent from here).
	const cookie = (await page.context().cookies(BASE + '/webhook/manage')).find((c) => c.name === 'hl_session');
	check(cookie, 'no session cookie');
	check(cookie.httpOnly && cookie.sameSite === 'Strict', 'cookie flags: ' + JSON.stringify(cookie));
	const res = await fetch(BASE + '/webhook/manage/' + state.ok.id + '/delete', {
		method: 'POST', redirect: 'manual', body: new URLSearchParams({ x: '1' }),
		headers: { Cookie: 'hl_session=' + cookie.value } });
	check(res.status === 403, 'POST without CSRF answered ' + res.status);
	check((await api('GET', '/webhooks/' + state.ok.id)).status === 200, 'the endpoint was deleted');
});

step('logout', async ({ page }) => {
	await page.goto(BASE + '/webhook');
	await navigate(page, () => page.click('button:has-text("Log out")'));
	check(page.url().includes('/webhook/login'), 'after logout at ' + page.url());
	await page.goto(BASE + '/webhook/manage');
	check(page.url().includes('/webhook/login'), 'the session still works after logout');
});

step('viewer_sees_no_write_controls_and_is_refused', async ({ page }) => {
	await login(page, env.HL_VIEWER_EMAIL, env.HL_PASSWORD);
	await page.locator('.who', { hasText: '(viewer)' }).waitFor();
	await page.goto(BASE + '/webhook/manage');
	await page.locator('table.list').waitFor();
	check(await page.locator('a:has-text("New webhook")').count() === 0, 'viewer sees "New webhook"');
	await shot(page, 'viewer-manage');
	await page.goto(BASE + '/webhook/manage/' + state.ok.id);
	for (const label of ['Save', 'Rotate secret', 'Delete', 'Disable'])
		check(await page.locator(`button:has-text("${label}")`).count() === 0, `viewer sees "${label}"`);
	check(await page.isDisabled('#description'), 'the viewer gets editable fields');
	// A write control smuggled into the page: the server still says no.
	await page.evaluate(() => document.querySelector('fieldset.plain').removeAttribute('disabled'));
	await page.fill('#description', 'changed by a viewer');
	await page.evaluate(() => {
		const b = document.createElement('button');
		b.type = 'submit';
		b.id = 'smuggled';
		b.textContent = 'Save';
		document.querySelector('form.card').appendChild(b);
	});
	const resp = await navigate(page, () => page.click('#smuggled'));
	check(resp.status() === 403, 'viewer POST answered ' + resp.status());
	await page.locator('h1', { hasText: 'Not allowed' }).waitFor();
	await shot(page, 'viewer-refused');
	const ep = await api('GET', '/webhooks/' + state.ok.id);
	check(ep.body.description === HOSTILE[0], 'the viewer changed the endpoint');
	const r = await page.goto(BASE + '/webhook/manage/new');
	check(r.status() === 403, 'viewer GET /manage/new answered ' + r.status());
	await page.goto(BASE + '/webhook/testing');
	check(await page.locator('button:has-text("Send test")').count() === 0, 'viewer sees "Send test"');
	await page.goto(BASE + '/webhook/deliveries/' + state.dead);
	check(await page.locator('button:has-text("Retry")').count() === 0, 'viewer sees "Retry"');
});

// ---------------------------------------------------------------------------
// Runner

async function main() {
	const profile = fs.mkdtempSync(path.join(env.HL_TMP, 'chromium-'));
	fs.mkdirSync(SHOTS, { recursive: true });
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: env.HL_CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1280, height: 800 },
		acceptDownloads: true,
		timezoneId: 'Europe/Berlin',
	});
	const page = context.pages()[0] || await context.newPage();
	page.setDefaultTimeout(10000);
	const dialogs = [];
	const problems = [];
	context.on('page', (p) => p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); }));
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	page.on('pageerror', (e) => problems.push('page error: ' + e.message));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text()))
			problems.push('console: ' + m.text());
	});

	let passed = 0, failed = 0;
	const record = (ok, name, why) => {
		if (ok) {
			passed++;
			console.log('PASS: ' + name);
		} else {
			failed++;
			console.log('FAIL: ' + name);
			console.log('    ' + String(why).split('\n').slice(0, 6).join('\n    '));
		}
	};
	for (const c of cases) {
		const before = dialogs.length;
		const t0 = Date.now();
		try {
			await c.fn({ page, context });
			if (dialogs.length > before)
				throw new Failure('a dialog fired: ' + dialogs.slice(before).join(' | '));
			record(true, c.name);
		} catch (e) {
			record(false, c.name, (e instanceof Failure ? e.message : e.stack || e) + ' (at ' + page.url() + ')');
			await shot(page, 'FAILED-' + c.name).catch(() => {});
		}
		if (Date.now() - t0 > 20000)
			console.log(`    (${c.name} took ${Date.now() - t0} ms)`);
	}
	record(dialogs.length === 0 && problems.length === 0, 'no_dialogs_csp_violations_or_script_errors',
		dialogs.concat(problems).join('\n'));
	await context.close();
	fs.rmSync(profile, { recursive: true, force: true });
	console.log(`${passed} passed, ${failed} failed`);
	return failed === 0 ? 0 : 1;
}

main().then((rc) => process.exit(rc), (e) => {
	console.log('FAIL: browser_walk');
	console.log('    ' + (e.stack || e));
	console.log('0 passed, 1 failed');
	process.exit(1);
});
