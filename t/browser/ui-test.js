// SPDX-License-Identifier: GPL-3.0-or-later
// ui-test.js - drive the Tyche page in headless Debian Chromium through
// playwright-core (no browser download: executablePath /usr/bin/chromium).
//
//   node ui-test.js BASE_URL SCREENSHOT.png
//
// Prints TAP.  Steps: load the page as alice, move a slider with the
// keyboard and see the plot change, optimise and see the sliders move,
// save the scenario, visit afresh, load it back, compare, statuses (local
// optimum, optimal) and an upper limit in the optimise panel, extrapolated
// cells marked in a context without zero tranches, screenshot.
// A console error or an uncaught page error fails the run: the page must
// show its errors in #message, not leave them in the console.
'use strict';

const { chromium } = require('playwright-core');

const base = process.argv[2];
const shot = process.argv[3] || 'tyche-ui.png';
let n = 0;
let failed = 0;

function ok(cond, what, extra) {
  n++;
  console.log((cond ? 'ok ' : 'not ok ') + n + ' - ' + what);
  if (!cond) {
    failed++;
    if (extra) console.log('#   ' + String(extra).split('\n').join('\n#   '));
  }
}

// page.waitForFunction compiles its predicate with eval, which the page's
// CSP (rightly) forbids; poll with page.evaluate instead.
async function until(page, fn, arg, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn.toString().slice(0, 120));
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function cellSvg(page, id) {
  return page.$eval('#' + id + ' svg', (e) => e.outerHTML);
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
    const ctx = await browser.newContext({
      httpCredentials: { username: 'alice', password: 'alice-pw' },
      viewport: { width: 1400, height: 1000 },
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20000);
    page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });

    await page.goto(base + '/');
    await page.waitForSelector('#cell-0-0 svg');
    ok(await page.$eval('#context', (s) => s.value) === 'electrolysis', 'the context picker shows the example');
    const heads = await page.$$eval('#grid thead th', (t) => t.map((x) => x.textContent));
    ok(heads.length === 5 && heads[2].startsWith('Cost'), 'one column per metric', heads.join('|'));
    ok(await page.$eval('#who', (e) => e.textContent) === 'Signed in as alice', 'the page knows the user');

    // Every control has a label.
    const unlabelled = await page.$$eval('input, select, button', (els) => els.filter((e) => {
      if (e.tagName === 'BUTTON') return !e.textContent.trim() && !e.getAttribute('aria-label');
      return !e.getAttribute('aria-label') && !(e.id && document.querySelector('label[for="' + e.id + '"]'));
    }).map((e) => e.id || e.outerHTML));
    ok(unlabelled.length === 0, 'every control is labelled', unlabelled.join(', '));

    // Move the first slider by keyboard: the plot of that cell changes.
    const before = await cellSvg(page, 'cell-0-0');
    const seq0 = await page.evaluate(() => document.body.dataset.explored);
    await page.focus('#amt-0');
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
    await until(page, (s) => document.body.dataset.explored !== s, seq0);
    await page.waitForTimeout(300);
    const after = await cellSvg(page, 'cell-0-0');
    const amount = await page.$eval('#num-0', (e) => Number(e.value));
    ok(amount > 0, 'the slider moved the amount box', amount);
    ok(before !== after, 'the plot changed after the slider moved');

    // Plot type: heatmap replaces the cell plots by one figure.
    await page.selectOption('#plot-type', 'annotated-heatmap');
    await page.waitForSelector('#heatmap:not([hidden]) svg');
    ok(true, 'the annotated heatmap is drawn');
    await page.selectOption('#plot-type', 'box');
    await page.waitForSelector('#cell-0-0 svg');

    // Optimise mode.
    await page.check('#mode-optimise');
    ok(await page.isVisible('#optimise-panel'), 'optimise mode shows its panel');
    await page.selectOption('#opt-metric', 'Cost');
    await page.selectOption('#opt-sense', 'max');
    await page.fill('#opt-budget', '3000000');
    await page.click('#optimise');
    await page.waitForSelector('#opt-status');
    const status = await page.$eval('#opt-status', (e) => e.textContent);
    ok(status.startsWith('optimal'), 'the optimiser reports its status', status);
    const opt = await page.$$eval('input[type=number][id^=num-]', (es) => es.map((e) => Number(e.value)));
    ok(Math.abs(opt.reduce((a, b) => a + b, 0) - 3000000) < 3000000 * 1e-3,
      'the sliders are set to the optimum (it spends the budget)', opt.join(', '));

    // Save, reload, load back.
    await page.fill('#save-name', 'browser plan');
    await page.click('#save');
    await page.waitForSelector('#scenarios tbody tr[data-id]');
    ok(await page.$eval('#scenarios tbody', (e) => e.textContent.includes('browser plan')), 'the saved scenario is listed');
    // a fresh visit (the link without its #fragment) starts at zero
    await page.goto(base + '/');
    await page.waitForSelector('#scenarios tbody tr[data-id]');
    const zero = await page.$$eval('input[type=number][id^=num-]', (es) => es.map((e) => Number(e.value)));
    ok(zero.every((v) => v === 0), 'a fresh visit starts the sliders at zero', zero.join(', '));
    await page.click('#scenarios tbody tr[data-id] button.load');
    await until(page, (want) => {
      const v = [...document.querySelectorAll('input[type=number][id^=num-]')].map((e) => Number(e.value));
      return v.every((x, i) => Math.abs(x - want[i]) < 1e-6 * (1 + Math.abs(want[i])));
    }, opt);
    ok(true, 'loading the scenario restores the sliders');
    await page.waitForSelector('#cell-0-0 svg');

    // A second scenario, then compare the two.
    await page.fill('#num-0', '0');
    await page.press('#num-0', 'Tab');
    await page.fill('#save-name', 'nothing');
    await page.click('#save');
    await until(page, () => document.querySelectorAll('#scenarios tbody tr[data-id]').length === 2);
    await page.click('#compare');
    await page.waitForSelector('#diff table');
    ok(await page.$eval('#diff', (e) => e.textContent.includes('mean(Cost)')), 'compare shows metric differences');
    const nOver = await page.$$eval('#overlays figure svg', (s) => s.length);
    ok(nOver === 3, 'compare overlays the distributions, one plot per metric', nOver);
    const groups = await page.$eval('#overlays figure svg', (s) => s.querySelectorAll('.group').length);
    ok(groups === 2, 'each overlay holds both scenarios on one axis', groups);
    ok(await page.$$eval('#diff-table td.changed', (t) => t.length) > 0, 'changed cells are marked in the difference table');

    // Statuses say what is known; an upper limit per category holds.
    await page.check('#mode-optimise');
    await page.selectOption('#opt-metric', 'Cost');
    await page.selectOption('#opt-method', 'local');
    await page.click('#optimise');
    await until(page, () => (document.getElementById('opt-status') || {}).textContent !== undefined &&
      document.getElementById('opt-status').textContent.includes('(local method'));
    const lst = await page.$eval('#opt-status', (e) => e.textContent);
    ok(lst.startsWith('local optimum: '), 'local reports "local optimum", not "optimal"', lst);
    await page.selectOption('#opt-method', 'auto');
    await page.fill('#upper-0', '1000000');
    await page.click('#optimise');
    await until(page, () => document.getElementById('opt-status').textContent.includes('(auto method'));
    const ast = await page.$eval('#opt-status', (e) => e.textContent);
    ok(ast.startsWith('optimal: '), 'auto reports "optimal" for a mean objective', ast);
    const up = await page.$eval('#num-0', (e) => Number(e.value));
    ok(up <= 1000000 * (1 + 1e-9), 'the upper limit of the first category holds', up);
    ok(await page.isHidden('#extrap-0'), 'amounts inside the tranche range are not marked');
    await page.fill('#upper-0', '');

    // A context without zero tranches: at no investment every category
    // lies below its tranche amounts, and the page marks its cells.
    await page.selectOption('#context', 'nozero');
    await until(page, () => {
      const e = document.getElementById('amount-0');
      return e && e.classList.contains('extrapolated');
    });
    ok(await page.isVisible('#extrap-0'), 'an extrapolated category is marked beside its amount',
      await page.$eval('#extrap-0', (e) => e.textContent));
    ok(await page.$eval('#cell-0-0', (e) => e.classList.contains('extrapolated') &&
      e.title.startsWith('extrapolated')), 'its metric cells are marked too');
    await page.selectOption('#context', 'electrolysis');
    await until(page, () => {
      const e = document.getElementById('amount-0');
      return e && !e.classList.contains('extrapolated') && document.getElementById('cell-0-0').querySelector('svg');
    });

    // A server error is shown in the page.
    await page.evaluate(() => { document.getElementById('num-0').max = '1e99'; });
    await page.fill('#num-0', '99999999999');
    await page.press('#num-0', 'Tab');
    await page.waitForTimeout(500);
    ok(await page.isHidden('#message'), 'the page clamps amounts to the category max');

    await page.screenshot({ path: shot, fullPage: true });
    ok(true, 'screenshot written to ' + shot);
    ok(errors.length === 0, 'no error in the console', errors.join('\n'));
  } finally {
    await browser.close();
  }
}

main().then(() => {
  console.log('1..' + n);
  process.exit(failed ? 1 : 0);
}, (e) => {
  ok(false, 'the browser run finished', e && e.stack || e);
  console.log('1..' + n);
  process.exit(1);
});
