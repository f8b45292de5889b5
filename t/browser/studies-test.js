// SPDX-License-Identifier: GPL-3.0-or-later
// studies-test.js - user studies in headless Debian Chromium through
// playwright-core (run by t/t7303-browser-studies.sh, which makes the
// upload files in UPLOADS).
//
//   node studies-test.js BASE_URL UPLOADS SCREENSHOT.png
//
// Prints TAP (the wrapper adds the plan).  A console error or an uncaught
// page error fails the run.
'use strict';

const { chromium } = require('playwright-core');

const base = process.argv[2];
const up = process.argv[3];
const shot = process.argv[4] || 'tyche-studies.png';
const REF = 'alice~pv-residential-simple';
let n = 0;
let failed = 0;

function ok(cond, what, extra) {
  n++;
  console.log((cond ? 'ok ' : 'not ok ') + n + ' - ' + what);
  if (!cond) {
    failed++;
    if (extra !== undefined) console.log('#   ' + String(extra).split('\n').join('\n#   '));
  }
}

// The page's CSP forbids eval, so poll with page.evaluate.
async function until(page, fn, arg, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn.toString().slice(0, 160));
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function user(browser, name, errors) {
  const ctx = await browser.newContext({
    httpCredentials: { username: name, password: name + '-pw' },
    viewport: { width: 1400, height: 1200 },
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => errors.push(name + ' pageerror: ' + e.message));
  page.on('console', (m) => {
    // a refused upload is an HTTP 4xx the browser logs by itself
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(name + ' console: ' + m.text());
  });
  return { ctx, page };
}

async function uploadFile(page, file, name) {
  await page.evaluate(() => { document.getElementById('upload-result').replaceChildren(); });
  await page.setInputFiles('#upload-file', file);
  await page.fill('#upload-name', name || '');
  await page.click('#upload');
  await until(page, () => document.querySelector('#upload-ok, #upload-error') !== null);
  return page.$eval('#upload-result', (e) => e.textContent);
}

async function explored(page, after) {
  await until(page, (a) => Number(document.body.dataset.explored || 0) > a, after);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
  const errors = [];
  try {
    const { page } = await user(browser, 'alice', errors);
    await page.goto(base + '/');
    await page.waitForSelector('#cell-0-0 svg');
    const prov = await page.$eval('#provenance', (e) => e.textContent);
    ok(/^Numbers from study electrolysis, version [0-9a-f]{16}, 500 samples, seed 7\.$/.test(prov),
      'the page says which study, version, samples and seed are on screen', prov);

    // Upload the reference workbook: a private study, opened at once.
    let seq = Number(await page.evaluate(() => document.body.dataset.explored));
    let text = await uploadFile(page, up + '/pv-residential-simple.xlsx');
    ok(/Saved as your study pv-residential-simple \(version 48a9822eb8c7c33c\)/.test(text),
      'the reference workbook is accepted', text);
    await until(page, (r) => document.getElementById('context').value === r, REF);
    await explored(page, seq);
    const groups = await page.$$eval('#context optgroup', (gs) => gs.map((g) => g.label + ':' +
      [...g.querySelectorAll('option')].map((o) => o.value).join(',')));
    ok(groups.includes('My studies:' + REF), 'it is listed under My studies', groups.join(' | '));
    ok(await page.$eval('#cell-0-0', (e) => e.querySelector('svg') !== null), 'explore draws its grid');
    ok((await page.$eval('#provenance', (e) => e.dataset.version)) === '48a9822eb8c7c33c',
      'the provenance names the uploaded version');

    // Optimise it.
    await page.check('#mode-optimise');
    await page.click('#optimise');
    await page.waitForSelector('#opt-status');
    const status = await page.$eval('#opt-status', (e) => e.textContent);
    ok(/^(optimal|limit)/.test(status), 'the optimiser runs on the uploaded study', status);
    await page.check('#mode-explore');

    // Set an amount, save a scenario.
    seq = Number(await page.evaluate(() => document.body.dataset.explored));
    await page.fill('#num-0', '1000000');
    await page.press('#num-0', 'Tab');
    await explored(page, seq);
    await page.fill('#save-name', 'on v1');
    await page.click('#save');
    await until(page, () => [...document.querySelectorAll('#scenarios tbody td')].some((t) => t.textContent === 'on v1'));
    ok(true, 'a scenario is saved on the uploaded study');

    // The copied link reopens the same view in a fresh context.
    await page.selectOption('#plot-type', 'box');
    seq = Number(await page.evaluate(() => document.body.dataset.explored));
    await explored(page, seq);
    const link = page.url();
    ok(/#study=alice%7Epv-residential-simple&amounts=.*&plot=box&mode=explore$/.test(link),
      'the URL fragment holds study, amounts, plot and mode', link);

    // A private second study and the share of the first.
    text = await uploadFile(page, up + '/private-ely.zip', 'private-ely');
    ok(/Saved as your study private-ely/.test(text), 'an archive of CSV tables is accepted', text);
    await page.click('#my-studies tr[data-study="' + REF + '"] button[aria-label="Share pv-residential-simple"]');
    await until(page, (r) => {
      const row = document.querySelector('#my-studies tr[data-study="' + r + '"]');
      return row && row.children[3].textContent === 'shared';
    }, REF);
    ok(true, 'the owner shares the study');

    // A broken workbook: located errors in the page.
    text = await uploadFile(page, up + '/broken.xlsx', 'broken');
    const probs = await page.$$eval('#upload-problems li', (l) => l.map((x) => x.textContent));
    ok(/Refused: the study has errors \(7\)/.test(text) && probs.length === 7 &&
      probs.every((p) => /^broken\.xlsx:parameters!E\d+: error: column 'Value': 'st\.nope\(0\.5, loc=110, scale=0\.11\)': at character 4: unknown distribution 'st\.nope'/.test(p)),
    'a broken workbook shows its located errors', text + '\n' + probs.join('\n'));

    // Hostile archives: refused with their reason.
    text = await uploadFile(page, up + '/traversal.tar.gz');
    ok(/Refused: traversal\.tar\.gz: entry '\.\.\/evil\.csv' is an unsafe path/.test(text), 'a traversal archive is refused', text);
    text = await uploadFile(page, up + '/symlink.tar.gz');
    ok(/Refused: symlink\.tar\.gz: entry 's\/designs\.csv' is a symlink/.test(text), 'a symlink archive is refused', text);
    text = await uploadFile(page, up + '/bomb.zip');
    ok(/Refused: bomb\.zip: archive unpacks to more than \d+ bytes \(uploads\.max_unpacked\)/.test(text),
      'an archive bomb is refused naming its limit', text);

    // The second user: the shared study, not the private one.
    const bob = await user(browser, 'bob', errors);
    await bob.page.goto(base + '/');
    await bob.page.waitForSelector('#cell-0-0 svg');
    const bobOpts = await bob.page.$$eval('#context option', (o) => o.map((x) => x.value));
    ok(bobOpts.includes(REF) && !bobOpts.includes('alice~private-ely'),
      'the second user sees the shared study and not the private one', bobOpts.join(','));
    const bobRow = await bob.page.$eval('#my-studies tr[data-study="' + REF + '"]', (r) => r.textContent);
    ok(!/Delete|Unshare/.test(bobRow), 'and cannot change it', bobRow);
    await bob.ctx.close();

    // The link in a fresh browser context.
    const fresh = await user(browser, 'alice', errors);
    await fresh.page.goto(link);
    await fresh.page.waitForSelector('#cell-0-0 svg');
    await until(fresh.page, () => Number(document.body.dataset.explored || 0) > 0);
    const view = await fresh.page.evaluate(() => ({
      study: document.getElementById('context').value,
      amount: document.getElementById('num-0').value,
      plot: document.getElementById('plot-type').value,
    }));
    ok(view.study === REF && Number(view.amount) === 1000000 && view.plot === 'box',
      'a copied link reopens the same view in a fresh context', JSON.stringify(view));
    await fresh.ctx.close();

    // A new version of the study: the saved scenario shows the badge.
    text = await uploadFile(page, up + '/v2/pv-residential-simple.xlsx');
    ok(/Saved as your study pv-residential-simple \(version (?!48a9822eb8c7c33c)[0-9a-f]{16}\)/.test(text),
      'a new version replaces the study', text);
    await until(page, () => [...document.querySelectorAll('#scenarios tbody td')].some((t) => t.textContent === 'on v1'));
    await page.click('#scenarios tbody tr[data-id] button.load');
    await page.waitForSelector('#version-badge:not([hidden]) #badge-text');
    const badge = await page.$eval('#badge-text', (e) => e.textContent);
    const now = await page.$eval('#provenance', (e) => e.dataset.version);
    ok(badge.includes('Saved with version 48a9822eb8c7c33c') && badge.includes('now at version ' + now) &&
      now !== '48a9822eb8c7c33c', 'loading the old scenario shows both versions', badge);
    await page.click('#show-saved');
    const saved = await page.$$eval('#saved-numbers tr[data-metric] .saved-mean', (t) => t.map((x) => x.textContent));
    ok(saved.length === 3 && saved.every((s) => /^mean -?\d/.test(s)), 'the saved numbers are reachable', saved.join('|'));
    seq = Number(await page.evaluate(() => document.body.dataset.explored));
    await page.click('#recompute');
    await explored(page, seq);
    ok(await page.$eval('#recomputed', (e, v) => e.textContent.includes(v), now), 'and recomputing uses the current version');

    await page.screenshot({ path: shot, fullPage: true });
    ok(errors.length === 0, 'no error in the console', errors.join('\n'));
  } catch (e) {
    ok(false, 'the run finished', e.stack || e);
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}

main();
