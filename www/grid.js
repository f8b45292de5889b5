// SPDX-License-Identifier: GPL-3.0-or-later
// grid.js - the category x metric grid: a slider (ticks at the tranche
// amounts) and a number box per category, one cell per metric, the
// totals row, and the picker that loads a named investment.
//
// Easy to get wrong: the number box holds the exact amount (a person may
// type any value); the money label beside it is for reading only.  At
// narrow widths style.css turns each row into a card; the markup is the
// same table, so keyboard order and labels do not change.
import { $, el, fmt, money, amountStep, roundAmount } from './api.js';

export function buildGrid(info, onAmount) {
  const head = el('tr', {}, el('th', { scope: 'col', class: 'cat', text: 'Category' }),
    el('th', { scope: 'col', text: 'Amount' }));
  info.metrics.forEach((m, j) => {
    head.append(el('th', { scope: 'col', id: 'mhead-' + j }, el('span', { class: 'mname', text: m.name }),
      el('br'), el('span', { class: 'muted units', text: m.units })));
  });
  $('grid').tHead.replaceChildren(head);
  const body = $('grid').tBodies[0];
  body.replaceChildren();
  info.categories.forEach((c, i) => {
    const sid = 'amt-' + i, nid = 'num-' + i, lid = 'ticks-' + i;
    const step = amountStep(c.max);
    const ticks = el('datalist', { id: lid });
    for (const t of c.tranches || []) ticks.append(el('option', { value: String(t.amount), label: t.name }));
    const slider = el('input', {
      type: 'range', id: sid, min: '0', max: String(c.max), step: String(step), list: lid,
      value: '0', 'data-category': c.name, 'aria-label': c.name + ' amount (slider)',
    });
    const num = el('input', {
      type: 'number', id: nid, min: '0', max: String(c.max), step: 'any', value: '0',
      'data-category': c.name, 'aria-label': c.name + ' amount in dollars',
    });
    const shown = el('span', { class: 'money', id: 'money-' + i, text: money(0), title: '0' });
    slider.addEventListener('input', () => {
      num.value = slider.value;
      showMoney(i, Number(slider.value));
      onAmount(c.name, Number(slider.value), 'input');
    });
    slider.addEventListener('change', () => onAmount(c.name, Number(slider.value), 'release'));
    num.addEventListener('change', () => {
      let v = Number(num.value);
      if (!Number.isFinite(v) || v < 0) v = 0;
      if (v > c.max) v = c.max;
      num.value = String(v);
      slider.value = String(v);
      showMoney(i, v);
      onAmount(c.name, v, 'release');
    });
    const trn = (c.tranches || []).map((t) => t.name + ' ' + money(t.amount)).join(', ');
    const row = el('tr', { 'data-category': c.name },
      el('th', { scope: 'row', class: 'cat' }, el('label', { for: nid, text: c.name })),
      el('td', { class: 'amount', id: 'amount-' + i }, slider, ticks,
        el('span', { class: 'amount-line' }, num, ' ', shown,
          el('span', { class: 'muted', text: ' of ', title: String(c.max) }, money(c.max))),
        el('span', { class: 'muted tranche-list', text: trn ? 'Tranches: ' + trn : '' }),
        el('span', { class: 'extrapolated-note', id: 'extrap-' + i, hidden: true,
          text: ' extrapolated: outside the tranche amounts' })));
    info.metrics.forEach((m, j) => row.append(el('td', { id: 'cell-' + i + '-' + j, class: 'cell',
      'data-label': m.name + ' (' + m.units + ')' })));
    body.append(row);
  });
  const tot = el('tr', { class: 'totals' }, el('th', { scope: 'row', class: 'cat', text: 'Total' }),
    el('td', { id: 'budget-used' }));
  info.metrics.forEach((m, j) => tot.append(el('td', { id: 'cell-t-' + j, class: 'cell',
    'data-label': m.name + ' (' + m.units + ')' })));
  $('grid').tFoot.replaceChildren(tot);
  // the investments table's named portfolios
  const pick = $('investment');
  pick.replaceChildren(el('option', { value: '', text: '(choose an investment)' }));
  for (const inv of info.investments || []) pick.append(el('option', { value: inv.name, text: inv.name + ' (' + money(inv.total) + ')' }));
  $('investment-row').hidden = !(info.investments && info.investments.length);
}

function showMoney(i, v) {
  const s = $('money-' + i);
  s.textContent = money(v);
  s.title = String(v);
}

// Amounts from the server (optimum, scenario, investment) into the
// sliders, rounded to the grid's step for display in the boxes.
export function setSliders(info, state, amounts) {
  info.categories.forEach((c, i) => {
    const v = roundAmount(Number(amounts[c.name] || 0), c.max);
    state.amounts[c.name] = v;
    $('amt-' + i).value = String(v);
    $('num-' + i).value = String(v);
    showMoney(i, v);
  });
}

export function fillCell(td, stats, svg) {
  td.replaceChildren();
  if (svg) td.append(svg);
  td.append(el('div', { class: 'stats', text: 'mean ' + fmt(stats.mean) +
    ' · q10 ' + fmt(stats.q10) + ' · q90 ' + fmt(stats.q90) }));
}

export function markExtrapolated(info, res) {
  const extra = new Set(res.extrapolated || []);
  const nm = info.metrics.length;
  info.categories.forEach((c, i) => {
    const out = extra.has(c.name);
    $('amount-' + i).classList.toggle('extrapolated', out);
    $('extrap-' + i).hidden = !out;
    for (let j = 0; j < nm; j++) {
      const td = $('cell-' + i + '-' + j);
      td.classList.toggle('extrapolated', out);
      if (out) td.title = 'extrapolated: ' + c.name + ' lies outside its tranche amounts';
      else td.removeAttribute('title');
    }
  });
  const used = Object.values(res.amounts).reduce((a, b) => a + b, 0);
  const b = $('budget-used');
  b.textContent = 'sum ' + money(used);
  b.title = String(used);
}
