// SPDX-License-Identifier: GPL-3.0-or-later
// sens.js - the "What drives this?" panel (issue 18; an ES module over
// api.js and app.js's window.tyche): Sobol indices of one metric at the portfolio on
// screen (POST /contexts/NAME/sensitivity, with the server's plot) and the
// value of information of choosing among the study's investments
// (POST /contexts/NAME/voi).  Every number comes from the server.
//
// Things a newcomer would get wrong:
//  - server text goes in with textContent, the plot through DOMParser
//    (never innerHTML: the Content-Security-Policy and app.js's rule);
//  - the metric list is read from window.tyche.state.info when the panel
//    is used, since the study can change under it;
//  - these requests cost N x (2 + inputs) evaluations: one at a time,
//    behind the page's busy indicator (T.guard).
import { el, fmt, call, svgNode, ctxPath } from './api.js';

const T = window.tyche;   // state and guard (app.js)

function table(caption, head, rows) {
  const t = el('table', {}, el('caption', { text: caption }));
  t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', text: h })))));
  const b = el('tbody');
  for (const r of rows) b.append(el('tr', {}, ...r.map((v, i) => el('td', { 'data-label': head[i], text: typeof v === 'number' ? fmt(v) : String(v) }))));
  t.append(b);
  // a keyboard-reachable scroll region on wide screens; cards on phones (style.css)
  return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption }, t);
}

function fillMetrics(sel) {
  const info = T.state.info;
  const keep = sel.value;
  sel.replaceChildren();
  for (const m of (info && info.metrics) || []) sel.append(el('option', { value: m.name, text: m.name }));
  if (keep) sel.value = keep;
}

async function drives(sel, out) {
  fillMetrics(sel);
  const res = await call('POST', ctxPath(T.state.context) + '/sensitivity', {
    amounts: T.state.amounts, metric: sel.value, samples: 1000, groups: ['parameter'], plot: true,
  });
  const rows = res.rows.map((r) => [r.input, r.technology, r.first, r.first_low, r.first_high, r.total, r.total_low, r.total_high]);
  out.replaceChildren(
    el('figure', {}, svgNode(res.svg), el('figcaption', { text: 'First-order and total Sobol indices of ' + sel.value + ' by parameter, with 95% bootstrap intervals (' + res.samples + ' base samples).' })),
    table('Sobol indices of ' + sel.value, ['Input', 'Technology', 'First-order', 'Low', 'High', 'Total', 'Low', 'High'], rows));
}

async function voi(sel, sense, out) {
  fillMetrics(sel);
  const res = await call('POST', ctxPath(T.state.context) + '/voi', {
    metric: sel.value, sense: sense.value, candidates: 'investments', samples: 1000, groups: ['parameter'],
  });
  const rows = res.rows.map((r) => [r.input, r.technology, r.evppi, r.se, r.share]);
  out.replaceChildren(
    el('p', { text: 'EVPI of choosing among ' + res.candidates.length + ' investments by ' + res.metric + ': ' + fmt(res.evpi) + ' ' + res.units + ' (SE ' + fmt(res.evpi_se) + '); chosen today: ' + res.chosen + '.' }),
    table('Partial EVPI by parameter', ['Input', 'Technology', 'Partial EVPI', 'SE', 'Share of EVPI'], rows));
}

function build() {
  const metric = el('select', { id: 'sens-metric' });
  const sense = el('select', { id: 'sens-sense' }, el('option', { value: 'max', text: 'more is better' }),
    el('option', { value: 'min', text: 'less is better' }));
  const go = el('button', { type: 'button', id: 'sens-go', text: 'What drives this?' });
  const gv = el('button', { type: 'button', id: 'voi-go', text: 'Value of information' });
  const out = el('div', { id: 'sens-result', 'aria-live': 'polite' });
  const sec = el('section', { class: 'panel', 'aria-labelledby': 'sens-h' },
    el('h2', { id: 'sens-h', text: 'What drives this?' }),
    el('div', { class: 'row' }, el('label', { for: 'sens-metric', text: 'Metric' }), metric,
      el('label', { for: 'sens-sense', text: 'Sense' }), sense, go, gv),
    out);
  metric.addEventListener('focus', () => fillMetrics(metric));
  go.addEventListener('click', T.guard(() => drives(metric, out)));
  gv.addEventListener('click', T.guard(() => voi(metric, sense, out)));
  const store = document.querySelector('section[aria-labelledby="store-h"]');
  if (store) store.before(sec);
  else document.body.append(sec);
}

build();
