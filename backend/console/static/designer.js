// The label designer: the template document drawn at scale (HTML boxes in mm × scale), dragged, resized, aligned
// and bound here; every change goes through commit() (undo/redo history of whole documents), then the live preview
// is asked of the server's real renderer (debounced) and the document is saved as it is: nothing else is stored.
(() => {
  'use strict';
  const $ = (sel, root = document) => root.querySelector(sel);
  const setup = JSON.parse($('#designer-setup').textContent);
  const T = (key, fields) => {
    let text = setup.texts['designer.' + key] ?? key;
    for (const [k, v] of Object.entries(fields || {})) text = text.replace('{' + k + '}', v);
    return text;
  };
  const SNAP_MM = 0.5;
  const PT_MM = 25.4 / 72;
  const GS1 = new Set(['gs1_128', 'gs1_datamatrix', 'digital_link_qr']);
  const LINEAR = new Set(['gs1_128', 'code128', 'ean13']);
  const KINDS = ['text', 'barcode', 'line', 'box', 'image'];
  const DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAIAQAAAADsdIMmAAAAC0lEQVR4nGNgQAUAABAAATm9j2UAAAAASUVORK5CYII=';
  const stage = $('#dz-stage');
  const props = $('#dz-props');
  const preview = $('#dz-preview');
  const S = {doc: structuredClone(setup.doc), selected: [], past: [], future: [], faults: [], version: setup.version,
    code: setup.code, scale: 4, previewRev: 0, previewAsked: 0};

  const snap = (v) => Math.max(0, Math.round(v / SNAP_MM) * SNAP_MM);
  const step = (v, by) => Math.round(v / by) * by;
  const byId = (id) => S.doc.elements.find((e) => e.id === id);

  // -- what an element shows and how big it is (mm); the preview shows the renderer's exact drawing ------------------
  function sampleOf(field) { return S.doc.sample?.[field] ?? ''; }
  function shownText(src) {
    if (!src) return '';
    if (src.literal != null) return src.literal;
    if (src.field != null) return sampleOf(src.field) || '{' + src.field + '}';
    return (src.template || '').replace(/\{([a-z_]+\.[a-z_]+)(?::[^{}]*)?\}/g, (m, f) => sampleOf(f) || m);
  }
  function barcodeData(el) {
    if (!GS1.has(el.symbology)) return shownText(el.source);
    return (el.gs1 || []).map((p) => '(' + p.ai + ')' + (p.literal ?? sampleOf(p.field))).join('');
  }
  function textWidthMm(text, sizePt, bold) {
    let em = 0;
    for (const ch of text) em += /[\u2e80-\uffef]/.test(ch) ? 1 : 0.56;
    return Math.max(2, em * sizePt * PT_MM * (bold ? 1.06 : 1));
  }
  function boxOf(el) {
    switch (el.type) {
      case 'text': {
        const h = el.size_pt * PT_MM * 1.2;
        return {w: el.width_mm ?? textWidthMm(shownText(el.source), el.size_pt, el.bold), h};
      }
      case 'barcode': {
        const data = barcodeData(el).replace(/[()]/g, '');
        if (LINEAR.has(el.symbology)) {
          const modules = el.symbology === 'ean13' ? 95 : 11 * (Math.ceil(data.length / (/^\d+$/.test(data) ? 2 : 1)) + 4) + 2;
          const hri = el.human_readable === false ? 0 : (el.hri_size_pt ?? 8) * PT_MM + 0.5;
          return {w: modules * el.module_mm, h: (el.height_mm ?? 10) + hri};
        }
        const side = el.symbology === 'gs1_datamatrix' ? 10 + 2 * Math.ceil(Math.sqrt(data.length * 1.5))
          : 21 + 4 * Math.ceil(data.length / 30);
        return {w: side * el.module_mm, h: side * el.module_mm};
      }
      case 'line': return el.vertical ? {w: el.thickness_mm, h: el.length_mm} : {w: el.length_mm, h: el.thickness_mm};
      default: return {w: el.width_mm, h: el.height_mm};
    }
  }

  // -- history ---------------------------------------------------------------------------------------------------
  function commit(change, before = JSON.stringify(S.doc)) {
    if (change) change();
    if (JSON.stringify(S.doc) === before) return;
    S.past.push(before);
    S.future = [];
    changed();
  }
  function travel(from, to) {
    if (!from.length) return;
    to.push(JSON.stringify(S.doc));
    S.doc = JSON.parse(from.pop());
    S.selected = S.selected.filter((id) => byId(id));
    changed();
  }
  const undo = () => travel(S.past, S.future);
  const redo = () => travel(S.future, S.past);
  function changed() { draw(); panel(); schedulePreview(); }

  // -- drawing ---------------------------------------------------------------------------------------------------
  function place(node, el) {
    const b = boxOf(el);
    Object.assign(node.style, {left: el.x_mm * S.scale + 'px', top: el.y_mm * S.scale + 'px',
      width: Math.max(b.w * S.scale, 2) + 'px', height: Math.max(b.h * S.scale, 2) + 'px'});
  }
  function drawn(el) {
    const node = document.createElement('div');
    node.className = 'dz-el dz-' + el.type;
    node.dataset.id = el.id;
    node.id = 'dz-el-' + el.id;
    if (el.type === 'text') {
      const span = document.createElement('span');
      span.textContent = shownText(el.source);
      Object.assign(span.style, {fontSize: el.size_pt * PT_MM * S.scale + 'px', fontWeight: el.bold ? '700' : '400',
        textAlign: el.align || 'left'});
      node.append(span);
    } else if (el.type === 'barcode') {
      node.classList.add(LINEAR.has(el.symbology) ? 'dz-linear' : 'dz-matrix');
      const tag = document.createElement('span');
      tag.className = 'dz-tag';
      tag.textContent = T('sym.' + el.symbology);
      node.append(tag);
    } else if (el.type === 'box') {
      node.style.borderWidth = Math.max(1, el.thickness_mm * S.scale) + 'px';
    } else if (el.type === 'image') {
      const img = document.createElement('img');
      img.src = 'data:image/png;base64,' + el.png_base64;
      img.alt = el.id;
      node.append(img);
    }
    if (el.print_if) node.classList.add('dz-conditional');
    const fault = S.faults.find((f) => f.element === el.id);
    if (fault) {
      node.classList.add('dz-fault');
      node.title = fault.message;
      const badge = document.createElement('span');
      badge.className = 'dz-badge';
      badge.textContent = '!';
      node.append(badge);
    }
    if (S.selected.includes(el.id)) {
      node.classList.add('dz-sel');
      if (S.selected.length === 1) {
        const handle = document.createElement('span');
        handle.className = 'dz-handle';
        handle.id = 'dz-handle';
        node.append(handle);
      }
    }
    place(node, el);
    return node;
  }
  function draw() {
    const doc = S.doc;
    const wrap = stage.parentElement;
    const room = window.innerHeight - Math.max(0, wrap.getBoundingClientRect().top + window.scrollY) - 40;
    S.scale = Math.max(1.5, Math.min((wrap.clientWidth - 8) / doc.width_mm, Math.max(room, 320) / doc.height_mm));
    Object.assign(stage.style, {width: doc.width_mm * S.scale + 'px', height: doc.height_mm * S.scale + 'px',
      backgroundSize: 5 * S.scale + 'px ' + 5 * S.scale + 'px'});
    stage.replaceChildren(...doc.elements.map(drawn));
    $('#dz-size').textContent = `${doc.width_mm} × ${doc.height_mm} mm · ${doc.dpi} dpi · ${T('snap')}`;
    const list = $('#dz-faults');
    list.replaceChildren(...S.faults.map((f) => {
      const li = document.createElement('li');
      li.className = 'flash error';
      if (f.element) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'link';
        b.textContent = f.element;
        b.addEventListener('click', () => { S.selected = [f.element]; draw(); panel(); });
        li.append(b, ' ');
      }
      li.append(f.message);
      return li;
    }));
    $('#dz-undo').disabled = !S.past.length;
    $('#dz-redo').disabled = !S.future.length;
  }

  // -- pointer: select, drag, resize -----------------------------------------------------------------------------
  stage.addEventListener('pointerdown', (ev) => {
    const node = ev.target.closest('.dz-el');
    if (!node) { S.selected = []; draw(); panel(); return; }
    ev.preventDefault();
    const id = node.dataset.id;
    if (ev.shiftKey || ev.ctrlKey || ev.metaKey) {
      S.selected = S.selected.includes(id) ? S.selected.filter((s) => s !== id) : [...S.selected, id];
      draw(); panel();
      return;
    }
    if (!S.selected.includes(id)) { S.selected = [id]; draw(); panel(); }
    const resizing = ev.target.classList.contains('dz-handle');
    const before = JSON.stringify(S.doc);
    const start = S.selected.map((sid) => ({el: byId(sid), x: byId(sid).x_mm, y: byId(sid).y_mm,
      box: boxOf(byId(sid)), copy: structuredClone(byId(sid))}));
    const x0 = ev.clientX, y0 = ev.clientY;
    const move = (e) => {
      const dx = (e.clientX - x0) / S.scale, dy = (e.clientY - y0) / S.scale;
      if (resizing) resize(start[0], dx, dy);
      else for (const s of start) { s.el.x_mm = snap(s.x + dx); s.el.y_mm = snap(s.y + dy); }
      for (const s of start) place(document.getElementById('dz-el-' + s.el.id), s.el);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      commit(null, before);
      draw();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  });

  function resize(s, dx, dy) {
    const el = s.el, o = s.copy;
    const w = Math.max(SNAP_MM, snap(s.box.w + dx)), h = Math.max(SNAP_MM, snap(s.box.h + dy));
    switch (el.type) {
      case 'text':
        el.size_pt = Math.max(1, step(o.size_pt * h / s.box.h, 0.5));
        if (o.width_mm != null) el.width_mm = w;
        break;
      case 'barcode':
        el.module_mm = Math.min(5, Math.max(0.1, step(o.module_mm * w / s.box.w, 0.005)));
        if (LINEAR.has(el.symbology)) el.height_mm = Math.max(1, snap((o.height_mm ?? 10) + dy));
        break;
      case 'line':
        el.length_mm = el.vertical ? h : w;
        break;
      default:
        el.width_mm = w;
        el.height_mm = h;
    }
  }

  // -- align, add, delete ----------------------------------------------------------------------------------------
  function align(how) {
    const els = S.selected.map(byId).filter(Boolean);
    if (!els.length) return;
    const boxes = els.map((el) => ({el, ...boxOf(el)}));
    const ref = els.length === 1 ? {x0: 0, y0: 0, x1: S.doc.width_mm, y1: S.doc.height_mm} : {
      x0: Math.min(...boxes.map((b) => b.el.x_mm)), y0: Math.min(...boxes.map((b) => b.el.y_mm)),
      x1: Math.max(...boxes.map((b) => b.el.x_mm + b.w)), y1: Math.max(...boxes.map((b) => b.el.y_mm + b.h))};
    commit(() => {
      for (const b of boxes) {
        if (how === 'left') b.el.x_mm = snap(ref.x0);
        if (how === 'center') b.el.x_mm = snap((ref.x0 + ref.x1 - b.w) / 2);
        if (how === 'right') b.el.x_mm = snap(ref.x1 - b.w);
        if (how === 'top') b.el.y_mm = snap(ref.y0);
        if (how === 'middle') b.el.y_mm = snap((ref.y0 + ref.y1 - b.h) / 2);
        if (how === 'bottom') b.el.y_mm = snap(ref.y1 - b.h);
      }
    });
  }
  function freshId(kind) {
    let n = 1;
    while (byId(kind + '-' + n)) n += 1;
    return kind + '-' + n;
  }
  function defaults(kind, keep) {
    const base = {type: kind, id: keep?.id ?? freshId(kind), x_mm: keep?.x_mm ?? 5, y_mm: keep?.y_mm ?? 5};
    if (keep?.print_if) base.print_if = keep.print_if;
    const more = {
      text: {source: {literal: T('new_text')}, size_pt: 10},
      barcode: {symbology: 'code128', source: {field: 'unit.code'}, module_mm: 0.33, height_mm: 12},
      line: {length_mm: 30, thickness_mm: 0.3},
      box: {width_mm: 30, height_mm: 15, thickness_mm: 0.3},
      image: {width_mm: 10, height_mm: 10, png_base64: DOT_PNG},
    }[kind];
    return {...base, ...structuredClone(more)};
  }
  function add(kind) {
    const el = defaults(kind);
    commit(() => { S.doc.elements.push(el); S.selected = [el.id]; });
  }
  function remove() {
    if (!S.selected.length) return;
    commit(() => { S.doc.elements = S.doc.elements.filter((e) => !S.selected.includes(e.id)); S.selected = []; });
  }
  function nudge(dx, dy) {
    commit(() => { for (const el of S.selected.map(byId)) { el.x_mm = snap(el.x_mm + dx); el.y_mm = snap(el.y_mm + dy); } });
  }

  // -- the live preview, drawn by the server's renderer ----------------------------------------------------------
  let timer = null;
  function schedulePreview() { clearTimeout(timer); timer = setTimeout(askPreview, 350); }
  async function send(method, url, body) {
    const answer = await fetch(url, {method, credentials: 'same-origin', body: JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'HX-Request': 'true'}});
    const type = answer.headers.get('content-type') || '';
    return {answer, json: type.includes('json') ? await answer.json() : null};
  }
  function showFaults(answer, json) {
    S.faults = json?.faults || [{element: null, message: json?.detail || `${answer.status} ${answer.statusText}`}];
    draw();
    panel();
  }
  async function askPreview() {
    const asked = ++S.previewAsked;
    const {answer, json} = await send('POST', '/console/labels/preview', {doc: S.doc});
    if (asked !== S.previewAsked) return;  // a later change asked again meanwhile
    if (!answer.ok) { preview.classList.add('dz-stale'); showFaults(answer, json); return; }
    const blob = await answer.blob();
    const old = preview.src;
    preview.src = URL.createObjectURL(blob);
    if (old.startsWith('blob:')) URL.revokeObjectURL(old);
    preview.dataset.etag = answer.headers.get('etag') || '';
    preview.dataset.rev = String(++S.previewRev);
    preview.classList.remove('dz-stale');
    if (S.faults.length) { S.faults = []; draw(); panel(); }
  }
  async function save() {
    const status = $('#dz-status');
    status.textContent = T('saving');
    const {answer, json} = await send('PUT', '/console/labels/' + encodeURIComponent(S.code),
      {doc: S.doc});
    if (!answer.ok) { status.textContent = T('save_refused'); showFaults(answer, json); return; }
    S.version = json.version;
    S.faults = [];
    status.textContent = T(json.new_version ? 'saved_new' : 'saved', {v: json.version});
    status.dataset.version = String(json.version);
    $('#designer-version').textContent = `${S.code} · ${T('version')} ${json.version}`;
    draw(); panel();
  }

  // -- wiring ----------------------------------------------------------------------------------------------------
  document.querySelectorAll('[data-add]').forEach((b) => b.addEventListener('click', () => add(b.dataset.add)));
  document.querySelectorAll('.dz-align').forEach((b) => b.addEventListener('click', () => align(b.dataset.align)));
  $('#dz-delete').addEventListener('click', remove);
  $('#dz-undo').addEventListener('click', undo);
  $('#dz-redo').addEventListener('click', redo);
  $('#dz-save').addEventListener('click', save);
  document.addEventListener('keydown', (ev) => {
    if (ev.target.closest('input, select, textarea')) return;
    const key = ev.key.toLowerCase();
    if ((ev.ctrlKey || ev.metaKey) && key === 'z') { ev.preventDefault(); (ev.shiftKey ? redo : undo)(); }
    else if ((ev.ctrlKey || ev.metaKey) && key === 'y') { ev.preventDefault(); redo(); }
    else if (key === 'delete' || key === 'backspace') { ev.preventDefault(); remove(); }
    else if (key.startsWith('arrow') && S.selected.length) {
      ev.preventDefault();
      nudge({arrowleft: -SNAP_MM, arrowright: SNAP_MM}[key] || 0, {arrowup: -SNAP_MM, arrowdown: SNAP_MM}[key] || 0);
    }
  });
  window.addEventListener('resize', draw);

  const api = {S, T, GS1, LINEAR, KINDS, byId, commit, defaults, draw, undo, redo, align, add, remove, save,
    select(ids) { S.selected = [].concat(ids); draw(); panel(); }};
  let panel = () => {};
  window.lotlineDesigner = api;
  api.setPanel = (fn) => { panel = fn; panel(); };
  draw();
  askPreview();
})();
