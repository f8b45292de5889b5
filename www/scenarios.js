// SPDX-License-Identifier: GPL-3.0-or-later
// scenarios.js - the scenario store: save (amounts, plot and every
// optimiser setting), list, load (restores them all), share, rename,
// delete, and compare two or more: their distributions overlaid on one
// axis per metric (drawn by the API) and a table of differences with the
// changed cells marked.
//
// Easy to get wrong: results are never sent; the server computes them
// when it saves.  A scenario saved before the optimiser settings were kept
// has no inputs.optimise: loading it leaves the panel as it is.
import { $, el, fmt, money, call, ctxPath, svgNode, clearError, busy } from './api.js';

export async function listScenarios(state, hooks) {
  let res;
  try {
    res = await call('GET', '/scenarios?context=' + encodeURIComponent(state.context));
  } catch (e) {
    if (e.status === 401) {
      $('scenarios').tBodies[0].replaceChildren(el('tr', {}, el('td', { colspan: '6',
        text: 'The scenario store needs a signed-in user.' })));
      return;
    }
    throw e;
  }
  state.scenarios = res.scenarios;
  const body = $('scenarios').tBodies[0];
  body.replaceChildren();
  for (const s of res.scenarios) {
    const mine = s.owner === state.user;
    const pick = el('input', { type: 'checkbox', class: 'cmp-pick', value: s.id, 'aria-label': 'compare ' + s.name });
    const actions = el('div', { class: 'actions' });
    const load = el('button', { type: 'button', class: 'load', 'data-id': s.id, text: 'Load', 'aria-label': 'Load ' + s.name });
    load.addEventListener('click', () => hooks.guard(() => loadScenario(state, s.id, hooks))());
    actions.append(load);
    if (mine) {
      const share = el('button', { type: 'button', text: s.visibility === 'shared' ? 'Unshare' : 'Share' });
      share.setAttribute('aria-label', share.textContent + ' ' + s.name);
      share.addEventListener('click', hooks.guard(() => change(state, s.id, 'share', { shared: s.visibility !== 'shared' }, hooks)));
      const ren = el('button', { type: 'button', text: 'Rename', 'aria-label': 'Rename ' + s.name });
      ren.addEventListener('click', hooks.guard(() => {
        const n = window.prompt('New name for ' + s.name, s.name);
        return n ? change(state, s.id, 'rename', { name: n }, hooks) : null;
      }));
      const del = el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': 'Delete ' + s.name });
      del.addEventListener('click', hooks.guard(() => (window.confirm('Delete ' + s.name + '?')
        ? change(state, s.id, 'delete', {}, hooks) : null)));
      actions.append(share, ren, del);
    }
    body.append(el('tr', { 'data-id': s.id }, el('td', {}, pick), el('td', { text: s.name }), el('td', { text: s.owner }),
      el('td', { text: s.visibility }), el('td', { text: s.modified }), el('td', {}, actions)));
  }
  // the two newest are ticked, so Compare works at once
  [...body.querySelectorAll('.cmp-pick')].slice(0, 2).forEach((c) => { c.checked = true; });
  if (!res.scenarios.length) body.append(el('tr', {}, el('td', { colspan: '6', text: 'No saved scenario yet.' })));
}

async function change(state, id, op, body, hooks) {
  await call('POST', '/scenarios/' + encodeURIComponent(id) + '/' + op, body);
  await listScenarios(state, hooks);
}

export async function save(state, hooks) {
  clearError();
  const name = $('save-name').value.trim();
  if (!name) throw new Error('Give the scenario a name first.');
  const inputs = { amounts: state.amounts, plot: $('plot-type').value, optimise: hooks.settings() };
  await call('POST', '/scenarios', { name, context: state.context, shared: $('save-shared').checked, inputs });
  busy('Saved ' + name);
  await listScenarios(state, hooks);
}

export async function loadScenario(state, id, hooks) {
  clearError();
  const res = await call('GET', '/scenarios/' + encodeURIComponent(id));
  const sc = res.scenario;
  if (sc.context && sc.context !== state.context) {
    $('context').value = sc.context;
    await hooks.selectContext(sc.context);
  }
  const inp = sc.inputs || {};
  if (inp.plot && [...$('plot-type').options].some((o) => o.value === inp.plot)) $('plot-type').value = inp.plot;
  if (inp.optimise) hooks.restore(inp.optimise);
  await hooks.apply(inp.amounts || {});
  busy('Loaded ' + sc.name);
  hooks.loaded(sc);
}

// Overlaid distributions (one plot per metric, from the API) and the
// differences of inputs and results against the first scenario ticked.
export async function compare(state) {
  clearError();
  const ids = [...document.querySelectorAll('.cmp-pick:checked')].map((c) => c.value);
  if (ids.length < 2) throw new Error('Tick two or more scenarios to compare.');
  const scs = (await Promise.all(ids.map((id) => call('GET', '/scenarios/' + encodeURIComponent(id))))).map((r) => r.scenario);
  const label = (s) => s.name + ' (' + s.owner + ')';
  const figs = el('div', { class: 'overlays', id: 'overlays' });
  for (const m of state.info.metrics) {
    const svg = await call('POST', ctxPath(state.context) + '/plot', {
      type: 'density', metric: m.name, width: 420, height: 260,
      portfolios: scs.map((s) => ({ label: label(s), amounts: (s.inputs && s.inputs.amounts) || {} })),
    });
    figs.append(el('figure', { class: 'overlay' }, svgNode(svg), el('figcaption', { text: m.name + ': distributions of the portfolio total' })));
  }
  const t = el('table', { id: 'diff-table' }, el('caption', { text: 'Inputs and results (changed cells marked, against ' + scs[0].name + ')' }));
  t.append(el('tr', {}, el('th', { scope: 'col', text: 'What' }), ...scs.map((s) => el('th', { scope: 'col', text: label(s) }))));
  const row = (what, vals, f) => {
    const tr = el('tr', {}, el('th', { scope: 'row', text: what }));
    vals.forEach((v, k) => {
      const changed = k > 0 && JSON.stringify(v) !== JSON.stringify(vals[0]);
      tr.append(el('td', { class: changed ? 'changed' : null, title: v === undefined ? '' : String(v),
        text: (v === undefined ? '–' : f(v)) + (changed ? ' (changed)' : '') }));
    });
    t.append(tr);
  };
  for (const c of state.info.categories) row('amount ' + c.name, scs.map((s) => Number(((s.inputs || {}).amounts || {})[c.name] || 0)), money);
  row('plot', scs.map((s) => (s.inputs || {}).plot), String);
  for (const k of ['metric', 'sense', 'statistic', 'method', 'budget']) {
    row('optimise ' + k, scs.map((s) => ((s.inputs || {}).optimise || {})[k]), k === 'budget' ? money : String);
  }
  row('optimise limits', scs.map((s) => ((s.inputs || {}).optimise || {}).limits), (v) => (v || []).map((l) => l.metric + ' ' + l.sense + ' ' + fmt(l.bound)).join('; ') || 'none');
  for (const m of state.info.metrics) {
    for (const st of ['mean', 'q10', 'q90']) {
      row(st + '(' + m.name + ')', scs.map((s) => (((s.results || {}).metrics || {})[m.name] || {})[st]), fmt);
    }
  }
  $('diff').replaceChildren(figs, el('div', { class: 'scroll' }, t));
}
