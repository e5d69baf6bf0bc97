// The console's own behaviour besides htmx: filters that apply on change, and exports of a chart as PNG.
'use strict';
document.addEventListener('change', (event) => {
  const form = event.target.closest && event.target.closest('form[data-autosubmit]');
  if (form && event.target.tagName === 'SELECT') form.requestSubmit();
});

window.lotlineConsole = {
  // A chart's picture as a file download (ECharts getDataURL), white behind it.
  savePng(chart, name) {
    const link = document.createElement('a');
    link.href = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
    link.download = `${name}.png`;
    document.body.appendChild(link);
    link.click();
    link.remove();
  },
};
