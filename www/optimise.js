// SPDX-License-Identifier: GPL-3.0-or-later
// optimise.js - the optimise panel: target, sense, statistic, budget,
// method, metric limits (each with its achievable range; empty = no
// limit), per-category caps, the optimiser's status words, and the
// Pareto frontier of the target against the budget (click a point to load
// that portfolio).
//
// Easy to get wrong: an empty limit box means "no limit", never 0; the
// settings round-trip through a saved scenario (settings()/restore()),
// so every control here must be in both.
import { $, el, fmt, money, call, ctxPath, busy, clearError } from './api.js';

const STATUS_WORDS = {
  optimal: 'optimal (proved)', 'local optimum': 'local optimum (better ones may exist)',
  'best found': 'best found (not proved)', infeasible: 'infeasible', limit: 'stopped at a limit', error: 'error',
};

export function buildOptimise(info) {
  const sel = $('opt-metric');
  sel.replaceChildren();
  for (const m of info.metrics) sel.append(el('option', { value: m.name, text: m.name + ' (' + m.units + ')' }));
  const meth = $('opt-method');
  meth.replaceChildren();
  for (const m of info.methods || ['auto']) meth.append(el('option', { value: m, text: m }));
  const st = $('opt-statistic');
  st.replaceChildren();
  for (const s of info.statistics || ['mean']) st.append(el('option', { value: s, text: s }));
  const total = info.categories.reduce((a, c) => a + c.max, 0);
  $('opt-budget').value = String(total / 2);
  $('opt-budget-hint').textContent = 'of ' + money(total) + ' in all';
  const body = $('opt-limits').tBodies[0];
  body.replaceChildren();
  info.metrics.forEach((m, j) => {
    const b = m.bounds || { min: m.min, max: m.max };
    const range = 'achievable ' + fmt(b.min) + ' to ' + fmt(b.max);
    const sense = el('select', { id: 'lim-sense-' + j, 'aria-label': 'limit sense for ' + m.name },
      el('option', { value: '>=', text: 'at least' }),
      el('option', { value: '<=', text: 'at most' }));
    const bound = el('input', { type: 'number', step: 'any', id: 'lim-bound-' + j,
      'aria-label': 'limit bound for ' + m.name + ' (empty: no limit)', placeholder: 'no limit',
      'aria-describedby': 'lim-range-' + j });
    body.append(el('tr', { 'data-metric': m.name },
      el('th', { scope: 'row', text: m.name + ' (' + m.units + ')' }),
      el('td', {}, sense), el('td', {}, bound),
      el('td', { class: 'muted', id: 'lim-range-' + j, text: range })));
  });
  const ub = $('opt-upper').tBodies[0];
  ub.replaceChildren();
  info.categories.forEach((c, i) => {
    const inp = el('input', { type: 'number', min: '0', max: String(c.max), step: 'any', id: 'upper-' + i,
      placeholder: money(c.max), 'aria-label': 'upper limit for ' + c.name + ' (empty: its largest amount)' });
    ub.append(el('tr', { 'data-category': c.name }, el('th', { scope: 'row', text: c.name }),
      el('td', {}, inp), el('td', { class: 'muted', title: String(c.max), text: money(c.max) })));
  });
  $('opt-result').replaceChildren();
  $('pareto').replaceChildren();
}

// The request and the settings a scenario keeps are the same object.
export function settings(info) {
  const target = $('opt-metric').value;
  const limits = [];
  info.metrics.forEach((m, j) => {
    const v = $('lim-bound-' + j).value.trim();
    if (v !== '' && m.name !== target) limits.push({ metric: m.name, sense: $('lim-sense-' + j).value, bound: Number(v) });
  });
  const req = { metric: target, sense: $('opt-sense').value, method: $('opt-method').value,
    statistic: $('opt-statistic').value, limits };
  const b = $('opt-budget').value.trim();
  if (b !== '') req.budget = Number(b);
  const upper = {};
  info.categories.forEach((c, i) => {
    const v = $('upper-' + i).value.trim();
    if (v !== '') upper[c.name] = Number(v);
  });
  if (Object.keys(upper).length) req.upper = upper;
  return req;
}

export function restore(info, o) {
  if (!o) return;
  if (o.metric) $('opt-metric').value = o.metric;
  if (o.sense) $('opt-sense').value = o.sense;
  if (o.method) $('opt-method').value = o.method;
  if (o.statistic) $('opt-statistic').value = o.statistic;
  $('opt-budget').value = o.budget === undefined ? '' : String(o.budget);
  info.metrics.forEach((m, j) => {
    const l = (o.limits || []).find((x) => x.metric === m.name);
    $('lim-bound-' + j).value = l ? String(l.bound) : '';
    if (l) $('lim-sense-' + j).value = l.sense;
  });
  info.categories.forEach((c, i) => {
    const u = o.upper && o.upper[c.name];
    $('upper-' + i).value = u === undefined ? '' : String(u);
  });
}

export async function optimise(state, apply) {
  clearError();
  busy('Optimising…');
  const res = await call('POST', ctxPath(state.context) + '/optimise', settings(state.info));
  busy('');
  await apply(res.amounts);
  const out = $('opt-result');
  const word = STATUS_WORDS[res.status] || res.status;
  out.replaceChildren(el('p', { id: 'opt-status', class: 'status-' + res.status.replace(/ /g, '-'),
    text: res.status + ': ' + res.message, title: word }));
  const t = el('table', {}, el('caption', { text: 'Constraints at the solution' }),
    el('tr', {}, el('th', { scope: 'col', text: 'Constraint' }), el('th', { scope: 'col', text: 'Value' }),
      el('th', { scope: 'col', text: 'Bound' }), el('th', { scope: 'col', text: 'Holds' })));
  for (const c of res.constraints) {
    const isMoney = c.constraint === 'budget' || String(c.constraint).startsWith('upper');
    const f = isMoney ? money : fmt;
    t.append(el('tr', {}, el('td', { text: c.constraint + ' ' + c.sense }),
      el('td', { text: f(c.value), title: String(c.value) }),
      el('td', { text: f(c.bound), title: String(c.bound) }), el('td', { text: c.holds ? 'yes' : 'NO' })));
  }
  out.append(el('p', { id: 'opt-objective', text: 'objective ' + res.objective.statistic + '(' + res.objective.metric + ') = ' +
    fmt(res.objective.value) + (res.starts ? ' (' + res.starts + ' local searches)' : '') +
    ', method ' + res.method }), el('div', { class: 'scroll' }, t));
  if (res.extrapolated && res.extrapolated.length) {
    out.append(el('p', { id: 'opt-extrapolated', class: 'warning', text: 'Extrapolated (amount outside the tranche range): ' +
      res.extrapolated.join(', ') }));
  }
  return res;
}

// The frontier of the target against the budget, drawn here as SVG
// (points are buttons: click or Enter loads that portfolio).
export async function pareto(state, apply) {
  clearError();
  busy('Sweeping the budget…');
  const req = settings(state.info);
  req.points = 9;
  const sweep = await call('POST', ctxPath(state.context) + '/pareto', req);
  busy('');
  const pts = sweep.map((p) => ({ b: p.budget, v: p.result.objective.value, st: p.result.status, a: p.result.amounts }))
    .filter((p) => Number.isFinite(p.v) && Number.isFinite(p.b));
  const W = 520, H = 260, L = 60, R = 14, T = 16, B = 44;
  const bmax = Math.max(...pts.map((p) => p.b), 1);
  const vmin = Math.min(...pts.map((p) => p.v)), vmax = Math.max(...pts.map((p) => p.v));
  const vspan = vmax - vmin || 1;
  const sx = (b) => L + (b / bmax) * (W - L - R);
  const sy = (v) => H - B - ((v - vmin) / vspan) * (H - T - B);
  const NS = 'http://www.w3.org/2000/svg';
  const mk = (tag, at) => { const e = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(at)) e.setAttribute(k, v); return e; };
  const svg = mk('svg', { viewBox: `0 0 ${W} ${H}`, role: 'group', 'aria-label': 'Pareto frontier: ' + req.metric + ' against budget', class: 'pareto-plot' });
  svg.append(mk('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#555' }), mk('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#555' }));
  const lab = (x, y, s, anchor) => { const t = mk('text', { x, y, 'text-anchor': anchor || 'middle', 'font-size': 12 }); t.textContent = s; return t; };
  svg.append(lab((L + W - R) / 2, H - 8, 'budget'), lab(L - 4, sy(vmax) + 4, fmt(vmax), 'end'), lab(L - 4, sy(vmin) + 4, fmt(vmin), 'end'),
    lab(L, H - B + 16, money(0)), lab(W - R, H - B + 16, money(bmax), 'end'));
  svg.append(mk('polyline', { points: pts.map((p) => sx(p.b) + ',' + sy(p.v)).join(' '), fill: 'none', stroke: '#0b5cad', 'stroke-width': 2 }));
  pts.forEach((p, k) => {
    const c = mk('circle', { cx: sx(p.b), cy: sy(p.v), r: 7, fill: p.st === 'infeasible' ? '#a40000' : '#0b5cad',
      tabindex: 0, role: 'button', class: 'pareto-point', 'data-budget': String(p.b), 'data-index': String(k),
      'aria-label': 'budget ' + money(p.b) + ': ' + req.metric + ' ' + fmt(p.v) + ' (' + p.st + '); load this portfolio' });
    const go = () => apply(p.a).then(() => { $('pareto-picked').textContent = 'Loaded the portfolio for a budget of ' + money(p.b); });
    c.addEventListener('click', go);
    c.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
    const t = mk('title', {}); t.textContent = money(p.b) + ': ' + fmt(p.v);
    c.append(t);
    svg.append(c);
  });
  $('pareto').replaceChildren(svg, el('p', { id: 'pareto-picked', class: 'muted', 'aria-live': 'polite' }));
}
