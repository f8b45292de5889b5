// SPDX-License-Identifier: GPL-3.0-or-later
// app.js - the Tyche page: context picker, the category x metric grid
// with a slider and a number box per category, explore and optimise
// modes, and the scenario store.  Talks to tyche.cgi (same directory).
//
// Things a newcomer would get wrong:
//  - every POST carries X-Tyche-Request: 1; the CGI refuses it otherwise
//    (that header is the CSRF defence, together with the origin check);
//  - text from the server (names, messages) goes in with textContent,
//    never innerHTML; plots are SVG documents parsed with DOMParser and
//    imported, so no markup from a response is ever run as HTML;
//  - slider moves are debounced and an older answer arriving after a newer
//    one is dropped (sequence numbers), so plots never go backwards;
//  - errors are shown in the page (#message), not only in the console.
'use strict';

(function () {
  const API = 'tyche.cgi';
  const $ = (id) => document.getElementById(id);
  const state = {
    context: null, info: null, amounts: {}, seq: 0, timer: null,
    scenarios: [], user: '',
  };

  // ------------------------------------------------------------ helpers

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  }

  function fmt(x) {
    if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
    const a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(3);
    return x.toPrecision(4).replace(/\.?0+$/, '');
  }

  function showError(msg) {
    const m = $('message');
    m.textContent = msg;
    m.hidden = false;
  }

  function clearError() {
    $('message').hidden = true;
    $('message').textContent = '';
  }

  function busy(text) { $('busy').textContent = text || ''; }

  // fetch JSON (or SVG text); retries while the surface warms up (503).
  async function call(method, path, body, tries = 30) {
    const opts = { method, credentials: 'same-origin', headers: {} };
    if (method === 'POST') {
      opts.headers['X-Tyche-Request'] = '1';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body || {});
    }
    let res;
    try {
      res = await fetch(API + path, opts);
    } catch (e) {
      throw new Error('the server cannot be reached (' + e.message + ')');
    }
    if (res.status === 503 && tries > 0) {
      busy('The server is preparing this context (warming up)…');
      const wait = Number(res.headers.get('Retry-After') || 2);
      await new Promise((r) => setTimeout(r, wait * 1000));
      return call(method, path, body, tries - 1);
    }
    busy('');
    const type = res.headers.get('Content-Type') || '';
    const data = type.startsWith('application/json') ? await res.json() : await res.text();
    if (!res.ok) {
      const msg = data && data.error ? data.error : 'HTTP ' + res.status;
      const err = new Error(msg);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function svgNode(text) {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    if (!root || root.nodeName !== 'svg') return el('span', { text: '(plot unavailable)' });
    return document.importNode(root, true);
  }

  // ------------------------------------------------------------ contexts

  async function loadContexts() {
    const [ver, list] = await Promise.all([call('GET', '/'), call('GET', '/contexts')]);
    state.user = ver.user || '';
    $('who').textContent = state.user ? 'Signed in as ' + state.user : '';
    const sel = $('context');
    sel.replaceChildren();
    // studies.js fills the picker (installed, unavailable, My studies) and
    // says which study to open: the link's, else the server's landing one
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

  // Extension points for studies.js (an ES module loaded after this file).
  const hooks = {};
  function hook(name, ...args) {
    return hooks[name] ? hooks[name](...args) : undefined;
  }

  async function selectContext(name) {
    clearError();
    state.context = name;
    state.info = await call('GET', '/contexts/' + encodeURIComponent(name));
    state.amounts = {};
    for (const c of state.info.categories) state.amounts[c.name] = 0;
    buildGrid();
    buildOptimise();
    await hook('context', state.info);
    await explore();
    await listScenarios();
  }

  // ------------------------------------------------------------ grid

  function buildGrid() {
    const info = state.info;
    const head = el('tr', {}, el('th', { scope: 'col', text: 'Category' }),
      el('th', { scope: 'col', text: 'Amount' }));
    for (const m of info.metrics) {
      head.append(el('th', { scope: 'col' }, el('span', { text: m.name }),
        el('br'), el('span', { class: 'muted', text: m.units })));
    }
    $('grid').tHead.replaceChildren(head);
    const body = $('grid').tBodies[0];
    body.replaceChildren();
    info.categories.forEach((c, i) => {
      const sid = 'amt-' + i, nid = 'num-' + i;
      const slider = el('input', {
        type: 'range', id: sid, min: '0', max: String(c.max), step: String(c.max / 100),
        value: '0', 'data-category': c.name, 'aria-label': c.name + ' amount (slider)',
      });
      const num = el('input', {
        type: 'number', id: nid, min: '0', max: String(c.max), step: 'any', value: '0',
        'data-category': c.name, 'aria-label': c.name + ' amount',
      });
      slider.addEventListener('input', () => { num.value = slider.value; setAmount(c.name, slider.value); });
      num.addEventListener('change', () => {
        let v = Number(num.value);
        if (!Number.isFinite(v) || v < 0) v = 0;
        if (v > c.max) v = c.max;
        num.value = String(v);
        slider.value = String(v);
        setAmount(c.name, v);
      });
      const row = el('tr', {}, el('th', { scope: 'row' }, el('label', { for: nid, text: c.name })),
        el('td', { class: 'amount', id: 'amount-' + i }, slider, num,
          el('span', { class: 'muted', text: ' of ' + fmt(c.max) }),
          el('span', { class: 'extrapolated-note', id: 'extrap-' + i, hidden: '',
            text: ' extrapolated: outside the tranche amounts' })));
      info.metrics.forEach((m, j) => row.append(el('td', { id: 'cell-' + i + '-' + j, class: 'cell' })));
      body.append(row);
    });
    const tot = el('tr', {}, el('th', { scope: 'row', text: 'Total' }), el('td', { id: 'budget-used' }));
    info.metrics.forEach((m, j) => tot.append(el('td', { id: 'cell-t-' + j, class: 'cell' })));
    $('grid').tFoot.replaceChildren(tot);
  }

  function setSliders(amounts) {
    state.info.categories.forEach((c, i) => {
      const v = Number(amounts[c.name] || 0);
      state.amounts[c.name] = v;
      $('amt-' + i).value = String(v);
      $('num-' + i).value = String(v);
    });
  }

  function setAmount(name, v) {
    state.amounts[name] = Number(v);
    clearTimeout(state.timer);
    state.timer = setTimeout(() => explore().catch((e) => showError(e.message)), 120);
  }

  function fillCell(td, stats, svg) {
    td.replaceChildren();
    if (svg) td.append(svgNode(svg));
    td.append(el('div', { class: 'stats', text: 'mean ' + fmt(stats.mean) +
      ' · q10 ' + fmt(stats.q10) + ' · q90 ' + fmt(stats.q90) }));
  }

  async function explore() {
    const type = $('plot-type').value;
    const seq = ++state.seq;
    const res = await call('POST', '/contexts/' + encodeURIComponent(state.context) + '/explore', {
      amounts: state.amounts,
      statistics: ['mean', 'std', 'q10', 'q50', 'q90'],
      plot: { type },
    });
    if (seq !== state.seq) return;        // a newer answer is on its way
    clearError();
    const heat = type.endsWith('heatmap');
    const nm = res.metrics.length;
    res.cells.forEach((row, i) => row.forEach((st, j) =>
      fillCell($('cell-' + i + '-' + j), st, heat ? null : res.plots.cells[i][j])));
    for (let j = 0; j < nm; j++)
      fillCell($('cell-t-' + j), res.totals[j], heat ? null : res.plots.totals[j]);
    // a category whose amount lies outside its tranche amounts: the
    // surface extrapolates there, so its cells are marked
    const extra = new Set(res.extrapolated || []);
    state.info.categories.forEach((c, i) => {
      const out = extra.has(c.name);
      $('amount-' + i).classList.toggle('extrapolated', out);
      $('extrap-' + i).hidden = !out;
      for (let j = 0; j < nm; j++) {
        $('cell-' + i + '-' + j).classList.toggle('extrapolated', out);
        if (out) $('cell-' + i + '-' + j).title = 'extrapolated: ' + c.name + ' lies outside its tranche amounts';
        else $('cell-' + i + '-' + j).removeAttribute('title');
      }
    });
    const used = Object.values(res.amounts).reduce((a, b) => a + b, 0);
    $('budget-used').textContent = 'sum ' + fmt(used);
    const fig = $('heatmap');
    fig.replaceChildren();
    fig.hidden = !heat;
    if (heat) {
      fig.append(svgNode(res.plots.svg),
        el('figcaption', { text: 'Mean change of every metric, per category and in total' }));
    }
    hook('explored', res);
    document.body.dataset.explored = String(seq);
  }

  // ------------------------------------------------------------ optimise

  function buildOptimise() {
    const info = state.info;
    const sel = $('opt-metric');
    sel.replaceChildren();
    for (const m of info.metrics) sel.append(el('option', { value: m.name, text: m.name + ' (' + m.units + ')' }));
    $('opt-budget').value = String(info.categories.reduce((a, c) => a + c.max, 0) / 2);
    const body = $('opt-limits').tBodies[0];
    body.replaceChildren();
    info.metrics.forEach((m, j) => {
      const sense = el('select', { id: 'lim-sense-' + j, 'aria-label': 'limit sense for ' + m.name },
        el('option', { value: '', text: 'no limit' }),
        el('option', { value: '>=', text: 'at least' }),
        el('option', { value: '<=', text: 'at most' }));
      const bound = el('input', { type: 'number', step: 'any', id: 'lim-bound-' + j,
        'aria-label': 'limit bound for ' + m.name, value: '0' });
      body.append(el('tr', { 'data-metric': m.name },
        el('th', { scope: 'row', text: m.name + ' (' + m.units + ')' }),
        el('td', {}, sense), el('td', {}, bound)));
    });
    const ub = $('opt-upper').tBodies[0];
    ub.replaceChildren();
    info.categories.forEach((c, i) => {
      const inp = el('input', { type: 'number', min: '0', max: String(c.max), step: 'any', id: 'upper-' + i,
        placeholder: fmt(c.max), 'aria-label': 'upper limit for ' + c.name });
      ub.append(el('tr', { 'data-category': c.name }, el('th', { scope: 'row', text: c.name }),
        el('td', {}, inp), el('td', { class: 'muted', text: fmt(c.max) })));
    });
    $('opt-result').replaceChildren();
  }

  async function optimise() {
    clearError();
    const target = $('opt-metric').value;
    const limits = [];
    state.info.metrics.forEach((m, j) => {
      const s = $('lim-sense-' + j).value;
      if (s && m.name !== target) limits.push({ metric: m.name, sense: s, bound: Number($('lim-bound-' + j).value) });
    });
    const req = { metric: target, sense: $('opt-sense').value, method: $('opt-method').value, limits };
    const b = $('opt-budget').value;
    if (b !== '') req.budget = Number(b);
    // per-category upper limits; an empty box means the category's max
    const upper = {};
    state.info.categories.forEach((c, i) => {
      const v = $('upper-' + i).value;
      if (v !== '') upper[c.name] = Number(v);
    });
    if (Object.keys(upper).length) req.upper = upper;
    busy('Optimising…');
    const res = await call('POST', '/contexts/' + encodeURIComponent(state.context) + '/optimise', req);
    busy('');
    setSliders(res.amounts);
    const out = $('opt-result');
    out.replaceChildren(el('p', { id: 'opt-status', class: 'status-' + res.status.replace(/ /g, '-'),
      text: res.status + ': ' + res.message }));
    const t = el('table', {}, el('caption', { text: 'Constraints at the solution' }),
      el('tr', {}, el('th', { scope: 'col', text: 'Constraint' }), el('th', { scope: 'col', text: 'Value' }),
        el('th', { scope: 'col', text: 'Bound' }), el('th', { scope: 'col', text: 'Holds' })));
    for (const c of res.constraints) {
      t.append(el('tr', {}, el('td', { text: c.constraint + ' ' + c.sense }), el('td', { text: fmt(c.value) }),
        el('td', { text: fmt(c.bound) }), el('td', { text: c.holds ? 'yes' : 'NO' })));
    }
    out.append(el('p', { text: 'objective ' + res.objective.statistic + '(' + res.objective.metric + ') = ' +
      fmt(res.objective.value) + (res.starts ? ' (' + res.starts + ' local searches)' : '') +
      ', method ' + res.method }), t);
    if (res.extrapolated && res.extrapolated.length) {
      out.append(el('p', { id: 'opt-extrapolated', class: 'warning', text: 'Extrapolated (amount outside the tranche range): ' +
        res.extrapolated.join(', ') }));
    }
    await explore();
  }

  // ------------------------------------------------------------ scenarios

  async function listScenarios() {
    let res;
    try {
      res = await call('GET', '/scenarios?context=' + encodeURIComponent(state.context));
    } catch (e) {
      if (e.status === 401) {
        $('scenarios').tBodies[0].replaceChildren(el('tr', {}, el('td', { colspan: '5',
          text: 'The scenario store needs a signed-in user.' })));
        return;
      }
      throw e;
    }
    state.scenarios = res.scenarios;
    const body = $('scenarios').tBodies[0];
    body.replaceChildren();
    const a = $('cmp-a'), b = $('cmp-b');
    a.replaceChildren();
    b.replaceChildren();
    for (const s of res.scenarios) {
      const mine = s.owner === state.user;
      const actions = el('td', {});
      const load = el('button', { type: 'button', class: 'load', 'data-id': s.id, text: 'Load' });
      load.setAttribute('aria-label', 'Load ' + s.name);
      load.addEventListener('click', () => loadScenario(s.id).catch((e) => showError(e.message)));
      actions.append(load);
      if (mine) {
        const share = el('button', { type: 'button', text: s.visibility === 'shared' ? 'Unshare' : 'Share' });
        share.setAttribute('aria-label', share.textContent + ' ' + s.name);
        share.addEventListener('click', () => change(s.id, 'share', { shared: s.visibility !== 'shared' }));
        const ren = el('button', { type: 'button', text: 'Rename' });
        ren.setAttribute('aria-label', 'Rename ' + s.name);
        ren.addEventListener('click', () => {
          const n = window.prompt('New name for ' + s.name, s.name);
          if (n) change(s.id, 'rename', { name: n });
        });
        const del = el('button', { type: 'button', class: 'danger', text: 'Delete' });
        del.setAttribute('aria-label', 'Delete ' + s.name);
        del.addEventListener('click', () => {
          if (window.confirm('Delete ' + s.name + '?')) change(s.id, 'delete', {});
        });
        actions.append(' ', share, ' ', ren, ' ', del);
      }
      body.append(el('tr', { 'data-id': s.id }, el('td', { text: s.name }), el('td', { text: s.owner }),
        el('td', { text: s.visibility }), el('td', { text: s.modified }), actions));
      a.append(el('option', { value: s.id, text: s.name + ' (' + s.owner + ')' }));
      b.append(el('option', { value: s.id, text: s.name + ' (' + s.owner + ')' }));
    }
    if (b.options.length > 1) b.selectedIndex = 1;
    if (!res.scenarios.length) {
      body.append(el('tr', {}, el('td', { colspan: '5', text: 'No saved scenario yet.' })));
    }
  }

  async function change(id, op, body) {
    try {
      await call('POST', '/scenarios/' + encodeURIComponent(id) + '/' + op, body);
      await listScenarios();
    } catch (e) {
      showError(e.message);
    }
  }

  async function save(ev) {
    ev.preventDefault();
    clearError();
    const name = $('save-name').value.trim();
    if (!name) { showError('Give the scenario a name first.'); return; }
    const inputs = { amounts: state.amounts, plot: $('plot-type').value };
    await call('POST', '/scenarios', { name, context: state.context, shared: $('save-shared').checked, inputs });
    busy('Saved ' + name);
    await listScenarios();
  }

  async function loadScenario(id) {
    clearError();
    const res = await call('GET', '/scenarios/' + encodeURIComponent(id));
    const sc = res.scenario;
    if (sc.context && sc.context !== state.context) {
      $('context').value = sc.context;
      await selectContext(sc.context);
    }
    if (sc.inputs && sc.inputs.plot) $('plot-type').value = sc.inputs.plot;
    setSliders((sc.inputs && sc.inputs.amounts) || {});
    busy('Loaded ' + sc.name);
    await explore();
    hook('scenario', sc);
  }

  async function compare() {
    clearError();
    const a = $('cmp-a').value, b = $('cmp-b').value;
    if (!a || !b) { showError('Pick two scenarios to compare.'); return; }
    const d = await call('GET', '/scenarios/diff?a=' + encodeURIComponent(a) + '&b=' + encodeURIComponent(b));
    const t = el('table', {}, el('caption', { text: 'Differences (b - a)' }),
      el('tr', {}, el('th', { scope: 'col', text: 'What' }), el('th', { scope: 'col', text: 'a' }),
        el('th', { scope: 'col', text: 'b' }), el('th', { scope: 'col', text: 'b - a' })));
    for (const [k, v] of Object.entries(d.inputs || {})) {
      t.append(el('tr', {}, el('td', { text: 'input ' + k }), el('td', { text: JSON.stringify(v.a) }),
        el('td', { text: JSON.stringify(v.b) }), el('td', {})));
    }
    for (const [m, stats] of Object.entries(d.metrics || {})) {
      for (const [s, v] of Object.entries(stats)) {
        t.append(el('tr', {}, el('td', { text: s + '(' + m + ')' }), el('td', { text: fmt(v.a) }),
          el('td', { text: fmt(v.b) }), el('td', { text: fmt(v.diff) })));
      }
    }
    $('diff').replaceChildren(t);
  }

  // ------------------------------------------------------------ wiring

  function guard(fn) {
    return (...args) => Promise.resolve(fn(...args)).catch((e) => { busy(''); showError(e.message); });
  }

  window.tyche = { state, hooks, call, el, fmt, showError, clearError, busy, guard,
    selectContext, explore, setSliders, listScenarios };

  document.addEventListener('DOMContentLoaded', () => {
    $('context').addEventListener('change', guard(() => selectContext($('context').value)));
    $('plot-type').addEventListener('change', guard(explore));
    for (const r of document.querySelectorAll('input[name=mode]')) {
      r.addEventListener('change', () => { $('optimise-panel').hidden = $('mode-explore').checked; });
    }
    $('reset').addEventListener('click', guard(() => { setSliders({}); return explore(); }));
    $('optimise').addEventListener('click', guard(optimise));
    $('save-form').addEventListener('submit', guard(save));
    $('compare').addEventListener('click', guard(compare));
    guard(loadContexts)();
  });
  window.addEventListener('unhandledrejection', (e) => showError(String(e.reason && e.reason.message || e.reason)));
}());
