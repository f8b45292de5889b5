// SPDX-License-Identifier: GPL-3.0-or-later
// app.js - the Tyche page's entry module: context picker, explore and
// optimise modes, downloads, and the wiring between the modules
// (api, grid, plots, optimise, scenarios).  ES modules, no build step,
// no external asset.
//
// Easy to get wrong: slider moves are debounced and an older answer
// arriving after a newer one is dropped (sequence numbers), so plots
// never go backwards; errors are shown in the page (#message), never only
// in the console; option lists (plot types, methods, statistics) come
// from the server's context info, not from this file.
import { $, el, fmt, call, ctxPath, busy, showError, clearError, download, money } from './api.js';
import { buildGrid, setSliders } from './grid.js';
import { explorePlotRequest, showExplore, showColumns } from './plots.js';
import * as opt from './optimise.js';
import * as sc from './scenarios.js';

const state = { context: null, info: null, amounts: {}, seq: 0, timer: null, scenarios: [], user: '', released: 0 };

function guard(fn) {
  return (...args) => Promise.resolve().then(() => fn(...args)).catch((e) => { busy(''); showError(e.message); });
}

// Extension points for studies.js (an ES module loaded after this one):
// contexts(list, select) fills the picker and names the study to open
// (undefined: not handled, null: none); context(info); explored(res);
// scenario(sc).
const ext = {};
function hook(name, ...args) {
  return ext[name] ? ext[name](...args) : undefined;
}

const hooks = {
  guard,
  loaded: (s) => hook('scenario', s),
  settings: () => opt.settings(state.info),
  restore: (o) => opt.restore(state.info, o),
  apply: (amounts) => { setSliders(state.info, state, amounts); return explore(); },
  selectContext: (name) => selectContext(name),
};

async function loadContexts() {
  const [ver, list] = await Promise.all([call('GET', '/'), call('GET', '/contexts')]);
  state.user = ver.user || '';
  $('who').textContent = state.user ? 'Signed in as ' + state.user : '';
  const sel = $('context');
  sel.replaceChildren();
  const first = hook('contexts', list, sel);
  if (first === undefined) {
    for (const c of list.contexts) sel.append(el('option', { value: c.name, text: c.name }));
  }
  if (first === null || !sel.options.length) {
    showError('No decision context is installed on this server.');
    return;
  }
  if (first) sel.value = first;
  await selectContext(sel.value);
}

async function selectContext(name) {
  clearError();
  clearTimeout(state.timer);
  const info = await call('GET', ctxPath(name));
  // context, info and amounts change together: an explore started in
  // between would send one context's categories to another
  state.seq++;
  state.context = name;
  state.info = info;
  const keep = $('plot-type').value;
  const pt = $('plot-type');
  pt.replaceChildren();
  for (const t of state.info.plot_types) pt.append(el('option', { value: t, text: t.replace('-', ' ') }));
  pt.value = state.info.plot_types.includes(keep) ? keep : (state.info.plot_types.includes('violin') ? 'violin' : state.info.plot_types[0]);
  state.amounts = {};
  for (const c of state.info.categories) state.amounts[c.name] = 0;
  buildGrid(state.info, setAmount);
  opt.buildOptimise(state.info);
  await hook('context', state.info);
  await explore();
  await sc.listScenarios(state, hooks);
}

function setAmount(name, v, how) {
  state.amounts[name] = Number(v);
  if (how === 'release') state.released = performance.now();
  clearTimeout(state.timer);
  state.timer = setTimeout(guard(explore), how === 'release' ? 0 : 120);
}

async function explore() {
  const seq = ++state.seq;
  const t0 = performance.now();
  const res = await call('POST', ctxPath(state.context) + '/explore', {
    amounts: state.amounts, statistics: ['mean', 'std', 'q10', 'q50', 'q90'], plot: explorePlotRequest(),
  });
  if (seq !== state.seq) return;        // a newer answer is on its way
  clearError();
  showExplore(state.info, res);
  await showColumns(state);
  // the time from the request (or the slider's release) to the redrawn
  // grid, for the benchmark (t/browser reads it)
  hook('explored', res);
  performance.mark('tyche-redrawn');
  document.body.dataset.redrawMs = String(Math.round(performance.now() - (state.released > t0 - 200 ? state.released : t0)));
  document.body.dataset.explored = String(seq);
}

async function downloadAs(format) {
  clearError();
  const blob = await call('POST', ctxPath(state.context) + '/explore',
    { amounts: state.amounts, statistics: ['mean', 'std', 'q10', 'q50', 'q90'], format }, { raw: true });
  download(blob, state.context + '-portfolio.' + format);
  return blob;
}

// The current view as one HTML file: the page's own style and the grid,
// heatmap, gauges and optimiser result as they are now (SVG inline).
async function downloadHtml() {
  const css = await (await fetch('style.css', { credentials: 'same-origin' })).text();
  const parts = ['grid-box', 'heatmap', 'gauges', 'columns', 'opt-result', 'pareto', 'diff']
    .map((id) => $(id)).filter((e) => e && !e.hidden && e.textContent.trim() !== '')
    .map((e) => {
      const c = e.cloneNode(true);
      for (const i of c.querySelectorAll('input')) i.replaceWith(document.createTextNode(i.type === 'range' ? '' : i.value));
      for (const s of c.querySelectorAll('select, button, datalist')) s.remove();
      return c.outerHTML;
    });
  const amounts = Object.entries(state.amounts).map(([k, v]) => '<li>' + esc(k) + ': ' + esc(money(v)) + ' (' + v + ')</li>').join('');
  const html = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tyche: ' + esc(state.context) +
    '</title><style>' + css + '</style></head><body><h1>Tyche portfolio: ' + esc(state.context) + '</h1>' +
    '<p>Context hash ' + esc(state.info.hash) + ', ' + state.info.samples + ' samples, seed ' + state.info.seed +
    ', saved ' + esc(new Date().toISOString()) + '.</p><ul>' + amounts + '</ul>' + parts.join('\n') + '</body></html>';
  const blob = new Blob([html], { type: 'text/html' });
  download(blob, state.context + '-report.html');
  return html;
}
function esc(s) { return String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';'); }

// what studies.js uses (the signatures it was written against)
window.tyche = {
  state, hooks: ext, call, el, fmt, showError, clearError, busy, guard, selectContext, explore,
  setSliders: (amounts) => setSliders(state.info, state, amounts),
  listScenarios: () => sc.listScenarios(state, hooks),
};

document.addEventListener('DOMContentLoaded', () => {
  $('context').addEventListener('change', guard(() => selectContext($('context').value)));
  for (const id of ['plot-type', 'axes-cell', 'layout']) $(id).addEventListener('change', guard(explore));
  for (const r of document.querySelectorAll('input[name=mode]')) {
    r.addEventListener('change', () => { $('optimise-panel').hidden = $('mode-explore').checked; });
  }
  $('reset').addEventListener('click', guard(() => hooks.apply({})));
  $('investment').addEventListener('change', guard(() => {
    const inv = (state.info.investments || []).find((x) => x.name === $('investment').value);
    if (inv) return hooks.apply(inv.amounts);
  }));
  $('optimise').addEventListener('click', guard(() => opt.optimise(state, hooks.apply)));
  $('pareto-run').addEventListener('click', guard(() => opt.pareto(state, hooks.apply)));
  $('save-form').addEventListener('submit', (ev) => { ev.preventDefault(); guard(() => sc.save(state, hooks))(); });
  $('compare').addEventListener('click', guard(() => sc.compare(state)));
  $('dl-csv').addEventListener('click', guard(() => downloadAs('csv')));
  $('dl-xlsx').addEventListener('click', guard(() => downloadAs('xlsx')));
  $('dl-html').addEventListener('click', guard(downloadHtml));
  guard(loadContexts)();
});
window.addEventListener('unhandledrejection', (e) => showError(String(e.reason && e.reason.message || e.reason)));
