// The trace explorer's picture: the genealogy as an ECharts graph, inputs to the left of the traced code and what
// it went into to the right (top and bottom on a narrow screen). Clicking a node adds one more step each way from
// it, fetched from /console/trace/graph; the table under the picture gets the new units too.
'use strict';
(() => {
  const el = document.getElementById('trace-chart');
  const source = document.getElementById('trace-data');
  if (!el || !source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const statusLabels = JSON.parse(el.dataset.statusLabels || '{}');
  const qtyLabel = el.dataset.qtyLabel || 'qty';
  const COLORS = { released: '#2e7d32', quarantine: '#ef6c00', on_hold: '#ef6c00', blocked: '#c62828',
    recalled: '#c62828', consumed: '#78909c', shipped: '#1565c0', scrapped: '#6d4c41' };
  const nodes = new Map();
  const links = new Map();
  const rootId = data.root.id;

  function add(graph, offset) {
    const added = [];
    for (const n of [graph.root, ...graph.nodes]) {
      if (!nodes.has(n.id)) {
        nodes.set(n.id, { ...n, level: n.level + offset, expanded: false });
        added.push(nodes.get(n.id));
      }
    }
    for (const l of graph.links) links.set(`${l.source}>${l.target}`, l);
    return added;
  }

  // Levels side by side (inputs left, outputs right; top to bottom on a narrow screen); a level with many units
  // wraps into several lanes, so sixty meters do not make one column too tall to read.
  function positions() {
    const narrow = el.clientWidth < 600;
    const perLane = narrow ? 5 : 14;
    const [step, lane, gap] = narrow ? [70, 90, 60] : [58, 230, 120];
    const byLevel = new Map();
    for (const n of nodes.values()) {
      if (!byLevel.has(n.level)) byLevel.set(n.level, []);
      byLevel.get(n.level).push(n);
    }
    const at = new Map();
    let start = 0;
    for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {
      const group = byLevel.get(level).sort((a, b) => a.code.localeCompare(b.code));
      const lanes = Math.ceil(group.length / perLane);
      const rows = Math.min(group.length, perLane);
      group.forEach((n, i) => {
        const along = start + Math.floor(i / perLane) * lane;
        const across = ((i % perLane) - (rows - 1) / 2) * step;
        at.set(n.id, narrow ? [across, along] : [along, across]);
      });
      start += lanes * lane + gap;
    }
    return at;
  }

  function label(n) {
    const status = statusLabels[n.status] || n.status;
    return `${n.item}\n${n.lot || n.code}\n${qtyLabel} ${n.qty} · ${status}`;
  }

  const chart = echarts.init(el, null, { renderer: 'canvas' });
  function draw() {
    const at = positions();
    chart.setOption({
      animation: false,
      tooltip: { confine: true, formatter: (p) => (p.dataType === 'node'
        ? `${p.data.code}<br>${label(nodes.get(p.data.id)).replace(/\n/g, '<br>')}`
        : `${p.data.qty} · ${p.data.event}`) },
      series: [{
        type: 'graph', layout: 'none', roam: true, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 7,
        labelLayout: { hideOverlap: true },
        label: { show: true, position: el.clientWidth < 600 ? 'bottom' : 'right', fontSize: el.clientWidth < 600 ? 9 : 11, formatter: (p) => label(nodes.get(p.data.id)) },
        lineStyle: { color: '#90a4ae', width: 1.2, curveness: 0.08 },
        data: [...nodes.values()].map((n) => ({
          id: n.id, name: n.code, code: n.code, x: at.get(n.id)[0], y: at.get(n.id)[1],
          symbol: n.id === rootId ? 'diamond' : 'circle', symbolSize: n.id === rootId ? 22 : 14,
          // A phone shows the names of the traced and expanded units; the others on a tap (tooltip).
          label: { show: el.clientWidth >= 600 || n.id === rootId || n.expanded },
          itemStyle: { color: COLORS[n.status] || '#546e7a', borderColor: n.expanded ? '#0d2b4e' : '#fff',
            borderWidth: 2 },
        })),
        links: [...links.values()].map((l) => ({ source: l.source, target: l.target, qty: l.qty, event: l.event })),
      }],
    }, { notMerge: true });
    el.dataset.nodes = String(nodes.size);
  }

  function addRows(added) {
    const body = document.querySelector('#trace-nodes tbody');
    for (const n of added) {
      const row = body.insertRow();
      row.dataset.code = n.code;
      row.className = 'added';
      const status = document.createElement('span');
      status.className = `status s-${n.status}`;
      status.textContent = statusLabels[n.status] || n.status;
      const cells = [String(n.level), `${n.item}`, n.lot, String(n.qty)];
      cells.forEach((text, i) => {
        const cell = row.insertCell();
        cell.textContent = text;
        if (i === 3) cell.className = 'num';
      });
      row.insertCell().appendChild(status);
    }
    document.getElementById('trace-count').textContent = String(nodes.size);
  }

  async function expand(id) {
    const n = nodes.get(id);
    if (!n || n.expanded) return 0;
    n.expanded = true;
    const url = `${el.dataset.graphUrl}?code=${encodeURIComponent(n.code)}&depth=1`;
    const answer = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!answer.ok) {
      n.expanded = false;
      throw new Error(`${url}: ${answer.status}`);
    }
    const added = add(await answer.json(), n.level);
    draw();
    addRows(added);
    return added.length;
  }

  add(data, 0);
  nodes.get(rootId).expanded = true;
  draw();
  chart.on('click', (p) => { if (p.dataType === 'node') expand(p.data.id).catch((e) => console.error(e)); });
  window.addEventListener('resize', () => { chart.resize(); draw(); });
  document.getElementById('trace-png').addEventListener('click',
    () => window.lotlineConsole.savePng(chart, `trace-${data.root.code.replace(/[^\w-]+/g, '_')}`));
  // For tests and keyboard users alike: expand by code.
  window.lotlineTrace = { chart, nodes, expandCode: (code) => expand([...nodes.values()].find((n) => n.code === code)?.id) };
  el.dataset.ready = '1';
})();
