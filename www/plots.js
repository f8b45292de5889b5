// SPDX-License-Identifier: GPL-3.0-or-later
// plots.js - the plots around the grid, all drawn by the API (lib/plot.c):
// the cells' distributions (one value axis per metric column by default,
// per cell on request), the heatmap (share of the achievable change, with
// its legend), a gauge per metric, and the column layout (one plot per
// metric with every category, POST /plot).
import { $, el, call, ctxPath, svgNode } from './api.js';
import { fillCell, markExtrapolated } from './grid.js';

export function explorePlotRequest() {
  return { type: $('plot-type').value, axes: $('axes-cell').checked ? 'cell' : 'metric' };
}

export function showExplore(info, res) {
  const heat = res.plots.type.endsWith('heatmap');
  const columns = $('layout').value === 'columns';
  const nm = res.metrics.length;
  res.cells.forEach((row, i) => row.forEach((st, j) =>
    fillCell($('cell-' + i + '-' + j), st, heat || columns ? null : svgNode(res.plots.cells[i][j]))));
  for (let j = 0; j < nm; j++) {
    fillCell($('cell-t-' + j), res.totals[j], heat || columns ? null : svgNode(res.plots.totals[j]));
  }
  $('grid').classList.toggle('no-plots', heat || columns);
  markExtrapolated(info, res);
  const g = $('gauges');
  g.replaceChildren();
  (res.plots.gauges || []).forEach((svg, j) => {
    g.append(el('figure', { class: 'gauge', id: 'gauge-' + j }, svgNode(svg),
      el('figcaption', { text: info.metrics[j].name + ' (' + info.metrics[j].units + '): portfolio mean within the achievable range' })));
  });
  const fig = $('heatmap');
  fig.replaceChildren();
  fig.hidden = !heat;
  if (heat) {
    fig.append(svgNode(res.plots.svg),
      el('figcaption', { text: 'Mean change of every metric, per category and in total, as a share of the metric\'s achievable change' }));
  }
}

// Column layout: all categories of a metric in one plot.
export async function showColumns(state) {
  const box = $('columns');
  const on = $('layout').value === 'columns' && !$('plot-type').value.endsWith('heatmap');
  box.hidden = !on;
  if (!on) { box.replaceChildren(); return; }
  const type = $('plot-type').value;
  const svgs = await Promise.all(state.info.metrics.map((m) => call('POST', ctxPath(state.context) + '/plot', {
    type, metric: m.name, amounts: state.amounts, width: 480, height: 300,
  })));
  box.replaceChildren(...svgs.map((s, j) => el('figure', { class: 'column-plot', id: 'column-' + j }, svgNode(s),
    el('figcaption', { text: state.info.metrics[j].name + ' by category' }))));
}
