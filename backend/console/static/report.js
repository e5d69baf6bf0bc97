// A report result ({columns, rows, chart: {type, x, y}}) drawn with ECharts: bars, lines, or a Pareto (bars of the
// first measure, the cumulative percentage as a line on a second axis). Percentages arrive as fractions.
'use strict';
(() => {
  const el = document.getElementById('report-chart');
  const source = document.getElementById('report-data');
  if (!el || !source || !window.echarts) return;
  const result = JSON.parse(source.textContent);
  const { chart: spec, columns, rows } = result;
  const index = Object.fromEntries(columns.map((c, i) => [c.name, i]));
  const column = (name) => columns[index[name]];
  const values = (name) => rows.map((r) => {
    const v = r[index[name]];
    return column(name).kind === 'percent' && v !== null ? Math.round(v * 1000) / 10 : v;
  });
  const categories = spec.x ? rows.map((r) => String(r[index[spec.x]])) : rows.map((_, i) => String(i + 1));
  const percentAxis = (name) => column(name).kind === 'percent';
  const usesTwoAxes = spec.type === 'pareto' || (spec.y.some(percentAxis) && !spec.y.every(percentAxis));
  const series = spec.y.map((name, i) => {
    const asLine = spec.type === 'line' || (spec.type === 'pareto' && i > 0);
    return { name: column(name).label, type: asLine ? 'line' : 'bar', data: values(name),
      yAxisIndex: usesTwoAxes && percentAxis(name) ? 1 : 0, smooth: false, symbolSize: 6 };
  });
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis', confine: true },
    legend: { top: 0 },
    grid: { left: 48, right: usesTwoAxes ? 48 : 16, top: 36, bottom: 48, containLabel: true },
    xAxis: { type: 'category', data: categories, axisLabel: { rotate: categories.length > 6 ? 30 : 0 } },
    yAxis: usesTwoAxes ? [{ type: 'value' }, { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } }]
      : [{ type: 'value', axisLabel: spec.y.every(percentAxis) ? { formatter: '{value}%' } : {} }],
    series,
  });
  window.addEventListener('resize', () => chart.resize());
  document.getElementById('report-png').addEventListener('click',
    () => window.lotlineConsole.savePng(chart, el.dataset.name || 'report'));
  window.lotlineReport = { chart };
  el.dataset.ready = '1';
})();
