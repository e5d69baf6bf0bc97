// The dashboards: each card's report result ({columns, rows, chart, dimensions}) drawn with ECharts. With two
// dimensions and one measure the second dimension becomes the series (a line per supplier, a bar per line);
// clicking a figure opens the rows behind it (/dashboards/<code>/drill?at.<column>=<value>&<the page's filters>).
'use strict';
(() => {
  if (!window.echarts) return;
  const charts = {};
  const filters = new URLSearchParams(document.getElementById('dash-filters')?.dataset.query || '');

  function draw(card) {
    const el = card.querySelector('.chart');
    const result = JSON.parse(card.querySelector('script[type="application/json"]').textContent);
    const { chart: spec, columns, rows, dimensions } = result;
    const index = Object.fromEntries(columns.map((c, i) => [c.name, i]));
    const kind = (name) => columns[index[name]].kind;
    const value = (row, name) => {
      const v = row[index[name]];
      return kind(name) === 'percent' && v !== null ? Math.round(v * 1000) / 10 : v;
    };
    const x = spec.x || dimensions[0];
    const other = dimensions.length === 2 && spec.y.length === 1 && spec.type !== 'pareto'
      ? dimensions.find((d) => d !== x) : null;
    const label = (v) => (v === null ? '—' : String(v));   // a unit made on no line, say
    const categories = [...new Set(rows.map((r) => label(r[index[x]])))];
    const rawOf = (name, shown) => rows.map((r) => r[index[name]]).find((v) => label(v) === shown);
    const percentOnly = spec.y.every((n) => kind(n) === 'percent');
    const twoAxes = spec.type === 'pareto' || (!percentOnly && spec.y.some((n) => kind(n) === 'percent'));
    const type = (i) => (spec.type === 'line' || (spec.type === 'pareto' && i > 0) ? 'line' : 'bar');
    let series;
    if (other) {
      const groups = [...new Set(rows.map((r) => label(r[index[other]])))];
      series = groups.map((g) => ({ name: g, type: type(0), symbolSize: 7, connectNulls: true,
        data: categories.map((c) => {
          const row = rows.find((r) => label(r[index[x]]) === c && label(r[index[other]]) === g);
          return row ? value(row, spec.y[0]) : null;
        }) }));
    } else {
      series = spec.y.map((name, i) => ({ name: columns[index[name]].label, type: type(i), symbolSize: 7,
        yAxisIndex: twoAxes && kind(name) === 'percent' ? 1 : 0, data: rows.map((r) => value(r, name)) }));
    }
    const chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: categories, axisLabel: { rotate: categories.length > 4 ? 30 : 0 } },
      yAxis: twoAxes ? [{ type: 'value' }, { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } }]
        : [{ type: 'value', axisLabel: percentOnly ? { formatter: '{value}%' } : {} }],
      series,
    });
    chart.on('click', (p) => {
      const params = new URLSearchParams(filters);
      const at = (name, v) => { if (v !== null && v !== undefined) params.set(`at.${name}`, String(v)); };
      at(x, rawOf(x, categories[p.dataIndex]));
      if (other) at(other, rawOf(other, p.seriesName));
      else if (dimensions.length > 1) {   // the clicked row names every dimension of the figure
        const row = rows[p.dataIndex];
        dimensions.filter((d) => d !== x).forEach((d) => at(d, row[index[d]]));
      }
      window.location.assign(`${card.dataset.drill}?${params}`);
    });
    card.querySelector('.png').addEventListener('click',
      () => window.lotlineConsole.savePng(chart, card.dataset.code));
    charts[card.dataset.code] = chart;
    el.dataset.ready = '1';
  }

  document.querySelectorAll('.dash-card').forEach(draw);
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
  window.lotlineDashboards = { charts };
  document.body.dataset.ready = '1';
})();
