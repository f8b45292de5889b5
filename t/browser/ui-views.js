// SPDX-License-Identifier: GPL-3.0-or-later
// ui-views.js - the page's views and tools in headless Chromium (issue 16):
// shared value axes per metric column, the heatmap legend's numbers,
// money formatting, caps and a statistic in an optimisation, optimiser
// settings saved with a scenario and restored, a Pareto point loaded by
// click, CSV / xlsx / HTML downloads opened and checked (the xlsx read
// back by tyche-xlsxdump, i.e. lib/xlsx.c), no element wider than the
// screen outside the grid's scroll box at 1400x900 and 390x844, axe-core
// (WCAG 2.1 A/AA) on each screen, screenshots, and the redraw benchmark.
//
//   node ui-views.js BASE_URL ARTEFACT_DIR XLSXDUMP [BENCH_CONTEXT...]
//
// Prints TAP, and "# bench CONTEXT median_ms" lines.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const [base, art, xlsxdump, ...bench] = process.argv.slice(2);
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
async function until(page, fn, arg, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn.toString().slice(0, 120));
    await new Promise((r) => setTimeout(r, 100));
  }
}
const explored = (page) => page.evaluate(() => document.body.dataset.explored);
async function newExplore(page, before) {
  await until(page, (s) => document.body.dataset.explored !== s, before);
}

// Elements wider than the viewport, or past its right edge, outside the
// grid's own scroll box.
async function overflow(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const box = document.getElementById('grid-box');
    const bad = [];
    for (const e of document.querySelectorAll('body *')) {
      if (box.contains(e) && e !== box) continue;
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > w + 1 || r.left < -1) bad.push((e.id || e.tagName) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
    return { w, scroll: document.documentElement.scrollWidth, bad: bad.slice(0, 10) };
  });
}

async function axe(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => v.id + ': ' + v.help + ' [' + v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ') + ']');
  });
}

async function main() {
  fs.mkdirSync(art, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'], timeout: 30000,
  });
  const errors = [];
  try {
    // bypassCSP only so axe-core can be injected; the page's own code runs
    // under the CSP in t7100
    const ctx = await browser.newContext({ httpCredentials: { username: 'alice', password: 'alice-pw' },
      viewport: { width: 1400, height: 900 }, acceptDownloads: true, bypassCSP: true });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30000);
    page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    // a 503 is the surface warming up, which the page waits out
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 503')) errors.push('console: ' + m.text()); });
    page.on('response', async (r) => { if (r.status() === 400) errors.push('400 from ' + r.url() + ': ' + (await r.text().catch(() => ''))); });
    await page.goto(base + '/');
    await page.waitForSelector('#cell-0-0 svg');

    // options come from the server
    const types = await page.$$eval('#plot-type option', (o) => o.map((x) => x.value));
    ok(types.join() === 'box,violin,density,heatmap,annotated-heatmap', 'plot types from the context info', types.join());
    const stats = await page.$$eval('#opt-statistic option', (o) => o.map((x) => x.value));
    ok(stats.includes('q10') && stats.includes('cvar95'), 'statistics from the context info', stats.join());

    // money and amounts
    let s = await explored(page);
    await page.fill('#num-0', '1500000');
    await page.press('#num-0', 'Tab');
    await newExplore(page, s);
    ok(await page.$eval('#money-0', (e) => e.textContent) === '$1.5M', 'money shows as $1.5M',
      await page.$eval('#money-0', (e) => e.textContent));
    ok(await page.$eval('#money-0', (e) => e.title) === '1500000', 'the exact amount is in the title');
    ok((await page.$eval('#budget-used', (e) => e.textContent)) === 'sum $1.5M', 'the total in money');
    ok(await page.$$eval('#ticks-0 option', (o) => o.length) >= 2, 'slider ticks at the tranche amounts');

    // the investments table's portfolios: the picker sets every slider
    s = await explored(page);
    const info = await page.evaluate(() => window.tyche.state.info);
    const bal = (info.investments || []).find((i) => i.name === 'Balanced');
    ok(bal && !(await page.$eval('#investment-row', (e) => e.hidden)), 'the investment picker is shown',
      JSON.stringify(info.investments));
    await page.selectOption('#investment', 'Balanced');
    await newExplore(page, s);
    const nums = await page.$$eval('input[id^=num-]', (es) => es.map((e) => Number(e.value)));
    ok(bal && bal.total > 0 && info.categories.every((c, i) => nums[i] === bal.amounts[c.name]),
      'picking an investment sets the sliders to its amounts', nums.join() + ' vs ' + JSON.stringify(bal));

    // "What drives this?": Sobol indices and the value of information from the server
    await page.click('#sens-go');
    await until(page, () => !!document.querySelector('#sens-result figure svg'));
    const srows = await page.$$eval('#sens-result tbody tr', (r) => r.length);
    ok(srows > 0, 'Sobol indices: the bars and a row per input', srows);
    await page.click('#voi-go');
    await until(page, () => /EVPI of choosing among/.test((document.querySelector('#sens-result p') || {}).textContent || ''));
    ok(await page.$$eval('#sens-result tbody tr', (r) => r.length) > 0, 'value of information: EVPI and a partial EVPI per input');

    // shared axes: every cell of a metric's column has the same ticks
    const ticks = (id) => page.$eval('#' + id + ' svg', (svg) => [...svg.querySelectorAll('.axis.y text')].map((t) => t.textContent).join(' '));
    const a0 = await ticks('cell-0-0'), a1 = await ticks('cell-1-0'), at = await ticks('cell-t-0');
    ok(a0 === a1 && a1 === at && a0.length > 0, 'one value axis per metric column (same tick labels)', [a0, a1, at].join(' | '));
    s = await explored(page);
    await page.check('#axes-cell');
    await newExplore(page, s);
    const c0 = await ticks('cell-0-0'), ct = await ticks('cell-t-0');
    ok(c0 !== ct, 'the toggle gives each cell its own axis', c0 + ' | ' + ct);
    s = await explored(page);
    await page.uncheck('#axes-cell');
    await newExplore(page, s);
    ok(await page.$$eval('#gauges figure svg', (g) => g.length) === 3, 'a gauge per metric');

    // column layout
    s = await explored(page);
    await page.selectOption('#layout', 'columns');
    await newExplore(page, s);
    await page.waitForSelector('#column-0 svg');
    ok(await page.$$eval('#columns figure', (f) => f.length) === 3, 'column layout: one plot per metric');
    await page.selectOption('#layout', 'grid');

    // heatmap: share of the achievable change, legend with numbers
    await page.selectOption('#plot-type', 'annotated-heatmap');
    await page.waitForSelector('#heatmap:not([hidden]) svg');
    const legend = await page.$$eval('#heatmap .legend-value', (t) => t.map((x) => x.textContent));
    ok(legend.join(',') === '100%,50%,0,-50%,-100%', 'heatmap legend has numbers', legend.join(','));
    await page.selectOption('#plot-type', 'box');
    await page.waitForSelector('#cell-0-0 svg');

    // optimise: a cap and a statistic
    await page.check('#mode-optimise');
    await page.selectOption('#opt-metric', 'Cost');
    await page.selectOption('#opt-statistic', 'q10');
    await page.fill('#opt-budget', '3000000');
    await page.fill('#upper-0', '1000000');
    ok(await page.$eval('#lim-range-1', (e) => e.textContent.startsWith('achievable')), 'limit rows show the achievable range');
    ok(await page.$eval('#lim-bound-1', (e) => e.value === '' && e.placeholder === 'no limit'), 'an empty limit reads "no limit"');
    await page.click('#optimise');
    await page.waitForSelector('#opt-status');
    const st = await page.$eval('#opt-status', (e) => e.textContent);
    ok(/^(optimal|local optimum|best found): /.test(st), 'the optimiser says what is known', st);
    ok((await page.$eval('#opt-objective', (e) => e.textContent)).includes('q10(Cost)'), 'the statistic was optimised');
    const n0 = await page.$eval('#num-0', (e) => Number(e.value));
    ok(n0 <= 1000000 + 1e-6, 'the cap holds', n0);
    ok(await page.$$eval('input[id^=num-]', (es) => es.every((e) => /^\d+(\.\d{1,2})?$/.test(e.value))), 'amounts are rounded to the grid step',
      await page.$$eval('input[id^=num-]', (es) => es.map((e) => e.value).join(',')));

    // save with the settings; change them; load restores them
    await page.fill('#save-name', 'capped q10');
    await page.click('#save');
    await page.waitForSelector('#scenarios tbody tr[data-id]');
    await page.selectOption('#opt-statistic', 'mean');
    await page.fill('#upper-0', '');
    await page.fill('#opt-budget', '1');
    await page.click('#scenarios tbody tr[data-id] button.load');
    await until(page, () => document.getElementById('opt-statistic').value === 'q10');
    ok(await page.$eval('#upper-0', (e) => e.value) === '1000000' && await page.$eval('#opt-budget', (e) => e.value) === '3000000',
      'a loaded scenario restores budget, caps and statistic');

    // Pareto: click a point, its portfolio is loaded
    await page.selectOption('#opt-statistic', 'mean');
    await page.click('#pareto-run');
    await page.waitForSelector('.pareto-point');
    const npts = await page.$$eval('.pareto-point', (p) => p.length);
    ok(npts >= 5, 'the Pareto frontier is drawn', npts);
    const pick = await page.$eval('.pareto-point[data-index="4"]', (p) => Number(p.dataset.budget));
    s = await explored(page);
    await page.click('.pareto-point[data-index="4"]');
    await newExplore(page, s);
    const sum = await page.$$eval('input[id^=num-]', (es) => es.reduce((a, e) => a + Number(e.value), 0));
    ok(sum <= pick * (1 + 1e-6) + 1 && sum > 0, 'clicking a point loads its portfolio (within its budget)', sum + ' vs ' + pick);

    // downloads
    const get = async (id) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click('#' + id)]);
      const p = path.join(art, d.suggestedFilename());
      await d.saveAs(p);
      return p;
    };
    const csv = fs.readFileSync(await get('dl-csv'), 'utf8');
    ok(csv.startsWith('Level,Category,Metric,Statistic,Value,Units\nportfolio,,Cost,mean,'), 'CSV download', csv.slice(0, 120));
    const xp = await get('dl-xlsx');
    const dump = execFileSync(xlsxdump, [xp, 'Statistics'], { encoding: 'utf8' });
    ok(dump.split('\n')[1].startsWith('portfolio\t\tCost\tmean\t'), 'xlsx download reads back with lib/xlsx.c', dump.slice(0, 160));
    const am = execFileSync(xlsxdump, [xp, 'Amounts'], { encoding: 'utf8' });
    ok(am.includes('Stack R&D\t'), 'the workbook lists the amounts', am);
    const html = fs.readFileSync(await get('dl-html'), 'utf8');
    ok(html.includes('<svg') && html.includes('<style>') && !/<script|<link /.test(html), 'HTML report is self-contained');

    // screens: width and accessibility
    for (const [w, h] of [[1400, 900], [390, 844]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(300);
      const o = await overflow(page);
      ok(o.bad.length === 0 && o.scroll <= o.w, 'nothing wider than the screen at ' + w + 'x' + h, JSON.stringify(o));
      await page.screenshot({ path: path.join(art, 'tyche-' + w + 'x' + h + '.png'), fullPage: true });
      const v = await axe(page);
      ok(v.length === 0, 'axe-core: no WCAG 2.1 A/AA violation at ' + w + 'x' + h, v.join('\n'));
    }

    // benchmark: slider release to redrawn grid
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.check('#mode-explore');
    for (const name of bench) {
      await page.selectOption('#context', name);
      await until(page, (nm) => document.querySelectorAll('#grid tbody tr').length > 0 &&
        document.getElementById('context').value === nm && document.getElementById('cell-0-0').querySelector('svg'), name, 120000);
      const times = [];
      for (let k = 1; k <= 7; k++) {
        const before = await explored(page);
        const t = await page.evaluate(async (kk) => {
          const sl = document.getElementById('amt-0');
          sl.value = String(Number(sl.max) * kk / 8);
          sl.dispatchEvent(new Event('input'));
          sl.dispatchEvent(new Event('change'));
          return performance.now();
        }, k);
        await newExplore(page, before);
        // the first redraw after the release (an answer to an earlier
        // request may land in between and is not this one)
        await until(page, (tt) => performance.getEntriesByName('tyche-redrawn').some((e) => e.startTime > tt), t);
        const t1 = await page.evaluate((tt) => performance.getEntriesByName('tyche-redrawn')
          .filter((e) => e.startTime > tt).pop().startTime, t);
        times.push(t1 - t);
      }
      times.sort((x, y) => x - y);
      const cats = await page.$$eval('#grid tbody tr', (r) => r.length);
      const mets = await page.$$eval('#grid thead th', (r) => r.length - 2);
      console.log('# bench ' + name + ' ' + cats + 'x' + mets + ' median_ms ' + times[3].toFixed(1) + ' all ' + times.map((x) => x.toFixed(0)).join(','));
      ok(times[3] < 1500, 'redraw of ' + name + ' within 1.5 s (loaded machine)', times.join(','));
    }
    ok(errors.length === 0, 'no error in the console', errors.join('\n'));
  } finally {
    await browser.close();
  }
}

main().then(() => { console.log('1..' + n); process.exit(failed ? 1 : 0); },
  (e) => { ok(false, 'the browser run finished', e && e.stack || e); console.log('1..' + n); process.exit(1); });
