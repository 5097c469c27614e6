// The admin console in a real browser: Debian's Chromium driven by playwright-core against a
// running bridgebot (started by tests/integration/cli_console_browser_test.cpp with the Slack
// emulator). Walks what an admin does: a wrong token, sign in, install by token, Test
// Connection, a failed Re-generate, Edit, the user lookup, a forged form without its CSRF token,
// an expired session, Disconnect after the confirmation, sign out. Exits non-zero on the first
// failed expectation, naming it.
//
// Environment: BRIDGE_URL (http://127.0.0.1:PORT), ADMIN_TOKEN, BOT_TOKEN (acme's bot token),
// CHROMIUM (default /usr/bin/chromium).
'use strict';
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const base = process.env.BRIDGE_URL;
const adminToken = process.env.ADMIN_TOKEN;
const botToken = process.env.BOT_TOKEN;

function step(name) {
  console.log('step: ' + name);
}

// The admin JSON API, to check that what the page says happened did happen.
async function installations() {
  const response = await fetch(base + '/v1/installations', {
    headers: { Authorization: 'Bearer ' + adminToken },
  });
  assert.equal(response.status, 200);
  return (await response.json()).installations;
}

async function signIn(page, token) {
  await page.goto(base + '/admin');
  assert.equal(new URL(page.url()).pathname, '/admin/login', 'no session: the sign-in form');
  await page.getByLabel('Admin token').fill(token);
  // The keyboard alone signs in: Enter submits the form.
  return Promise.all([page.waitForNavigation(), page.getByLabel('Admin token').press('Enter')]);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    step('a wrong admin token is refused with a 401 and the form again');
    const [wrong] = await signIn(page, 'not-the-token');
    assert.equal(wrong.status(), 401);
    await page.getByRole('alert').filter({ hasText: 'That is not the admin token' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/login');

    step('sign in: a session cookie, HttpOnly and SameSite=Strict, for 12 hours');
    await signIn(page, adminToken);
    assert.equal(new URL(page.url()).pathname, '/admin');
    const cookie = (await context.cookies()).find((c) => c.name === 'bridgebot_admin');
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    const lifetime = cookie.expires - Date.now() / 1000;
    assert.ok(lifetime > 11.9 * 3600 && lifetime <= 12 * 3600, 'lifetime ' + lifetime);
    await page.getByText('No workspace is connected yet.').waitFor();
    await page.getByRole('link', { name: 'Add to Slack' }).waitFor();

    step('install by token: a wrong domain is refused at the form, then the right one works');
    await page.getByLabel('Bot token').fill(botToken);
    await page.getByLabel('Workspace domain').fill('globex');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Connect' }).click()]);
    await page.getByRole('alert').filter({ hasText: 'domain_mismatch' }).waitFor();
    assert.equal(await page.getByLabel('Workspace domain').inputValue(), 'globex');
    assert.equal(await page.getByLabel('Bot token').inputValue(), '', 'the token is never echoed');
    await page.getByLabel('Bot token').fill(botToken);
    await page.getByLabel('Workspace domain').fill('acme.slack.com');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Connect' }).click()]);
    await page.getByRole('status').filter({ hasText: 'The Integration has been successfully created' }).waitFor();
    const card = page.locator('#team-T0001');
    await card.locator('.status').filter({ hasText: 'Connected' }).waitFor();
    // The workspace's name from Slack carries markup: shown as text, never as HTML.
    assert.equal(await card.locator('h3').textContent(), '<b>Acme</b> & Co');
    assert.equal(await card.locator('h3 b').count(), 0);
    assert.equal((await installations()).length, 1);

    step('Test Connection shows its result in place');
    await Promise.all([page.waitForNavigation(), card.getByRole('button', { name: 'Test Connection' }).click()]);
    await page.locator('#team-T0001 .test-result').filter({ hasText: 'the connection works' }).waitFor();

    step('Re-generate on a token that does not rotate says why and what to do');
    await Promise.all([page.waitForNavigation(), card.getByRole('button', { name: 'Re-generate token' }).click()]);
    await page.locator('#team-T0001 [role=alert]').filter({ hasText: 'not_rotating' }).waitFor();

    step('Edit: default notification channel and sender identity');
    await Promise.all([page.waitForNavigation(), card.getByRole('link', { name: 'Edit' }).click()]);
    await page.getByLabel('Default notification channel').fill('C0002');
    await page.getByLabel('Sender identity').selectOption('off');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save' }).click()]);
    await page.getByRole('status').filter({ hasText: 'The Integration has been successfully updated' }).waitFor();
    await card.getByText('C0002').waitFor();
    await card.getByText('not shown').waitFor();
    const edited = (await installations())[0];
    assert.equal(edited.notification_channel, 'C0002');
    assert.equal(edited.sender_identity, false);

    step('user lookup: in Slack but not linked, with the reason; unknown email');
    await page.getByLabel('Email').fill('bob@example.com');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Look up' }).click()]);
    await page.locator('.lookup-result').filter({ hasText: 'Cannot receive DMs (not_linked)' }).waitFor();
    await page.locator('.lookup-result').filter({ hasText: 'U0002' }).waitFor();
    await page.getByLabel('Email').fill('nobody@example.com');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Look up' }).click()]);
    await page.locator('.lookup-result').filter({ hasText: 'Cannot receive DMs (not_in_slack)' }).waitFor();

    step('a forged form (the session cookie, no CSRF token) changes nothing');
    // The page's own script could not even send it (its CSP allows no fetch), so post it from the
    // browser context, which sends the session cookie as a same-site form would.
    const forged = await page.request.post(base + '/admin/installations/T0001/disconnect', {
      form: { confirm: 'yes' },
      maxRedirects: 0,
    });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /CSRF token is missing or out of date/);
    const wrongCsrf = await page.request.post(base + '/admin/installations/T0001/disconnect', {
      form: { csrf: 'a'.repeat(64) },
      maxRedirects: 0,
    });
    assert.equal(wrongCsrf.status(), 403);
    assert.equal((await installations()).length, 1, 'still installed');

    step('an expired session: the next action asks to sign in again and does nothing');
    await context.addCookies([{ ...cookie, value: 'f'.repeat(64) }]);
    await Promise.all([page.waitForNavigation(), card.getByRole('button', { name: 'Test Connection' }).click()]);
    assert.equal(new URL(page.url()).pathname, '/admin/login');
    await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor();
    await signIn(page, adminToken);

    step('Disconnect after a confirmation that says what will be deleted');
    await Promise.all([page.waitForNavigation(), page.locator('#team-T0001').getByRole('link', { name: 'Disconnect' }).click()]);
    await page.getByText('revokes the bot token').waitFor();
    await page.getByText('queued message(s) and notification(s)').waitFor();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Disconnect acme' }).click()]);
    await page.getByRole('status').filter({ hasText: 'The Integration has been successfully disconnected' }).waitFor();
    await page.getByText('No workspace is connected yet.').waitFor();
    assert.equal((await installations()).length, 0);

    step('sign out: the console asks to sign in again');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign out' }).click()]);
    assert.equal(new URL(page.url()).pathname, '/admin/login');
    await page.goto(base + '/admin');
    assert.equal(new URL(page.url()).pathname, '/admin/login');
    console.log('PASS');
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error('FAIL: ' + (error && error.stack ? error.stack : error));
  process.exit(1);
});
