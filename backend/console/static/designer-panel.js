// The designer's property panel: the selected element's kind, binding (a field of backend/labels' FIELDS, a literal
// or a template), text, barcode, size and print condition; with nothing selected, the label itself and its sample
// data. Every edit is one commit() of designer.js, so it can be undone and it refreshes the preview.
(() => {
  'use strict';
  const D = window.lotlineDesigner;
  const {S, T} = D;
  const setup = JSON.parse(document.getElementById('designer-setup').textContent);
  const FIELDS = Object.keys(setup.fields);
  const props = document.getElementById('dz-props');
  const OPS = ['present', 'absent', 'equals', 'not_equals', 'in'];

  function make(tag, attrs = {}, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else if (k in node && k !== 'list') node[k] = v;
      else node.setAttribute(k, v);
    }
    node.append(...kids.filter((k) => k != null));
    return node;
  }
  function select(id, value, options, onChange, labelOf = (o) => o) {
    return make('select', {id, on: {change: (e) => onChange(e.target.value)}},
      ...options.map((o) => make('option', {value: o, textContent: labelOf(o), selected: o === value})));
  }
  function row(label, control) { return make('label', {}, label, control); }
  const edit = (fn) => D.commit(fn);
  function num(id, value, onChange, stepBy = 0.5) {
    return make('input', {id, type: 'number', step: String(stepBy), value: value ?? '',
      on: {change: (e) => onChange(e.target.value === '' ? null : Number(e.target.value))}});
  }
  function txt(id, value, onChange) {
    return make('input', {id, type: 'text', value: value ?? '', on: {change: (e) => onChange(e.target.value)}});
  }
  function check(id, value, onChange) {
    return make('label', {className: 'dz-check'},
      make('input', {id, type: 'checkbox', checked: !!value, on: {change: (e) => onChange(e.target.checked)}}),
      T(id.replace('dz-p-', 'prop.')));
  }
  const fieldName = (f) => (f === '' ? T('always') : f);

  function binding(el) {
    const src = el.source || {};
    const mode = src.field != null ? 'field' : src.template != null ? 'template' : 'literal';
    const parts = [row(T('prop.bind'), select('dz-p-bind', mode, ['field', 'literal', 'template'], (m) => edit(() => {
      const value = m === 'field' ? FIELDS[0] : src.literal ?? src.template ?? '';
      el.source = {[m]: value};
    }), (m) => T('bind.' + m)))];
    if (mode === 'field') {
      parts.push(row(T('prop.field'), select('dz-p-field', src.field, FIELDS, (f) => edit(() => {
        el.source = {...el.source, field: f};
      }))));
    } else {
      parts.push(row(T('prop.' + mode), txt('dz-p-' + mode, src[mode], (v) => edit(() => {
        el.source = {...el.source, [mode]: v};
      }))));
    }
    return parts;
  }
  function gs1Rows(el) {
    const rows = (el.gs1 || []).map((p, i) => make('div', {className: 'dz-ai'},
      txt(`dz-p-ai-${i}`, p.ai, (v) => edit(() => { el.gs1[i] = {...el.gs1[i], ai: v.trim()}; })),
      select(`dz-p-ai-${i}-field`, p.field ?? '', ['', ...FIELDS], (f) => edit(() => {
        const {field, literal, ...rest} = el.gs1[i];
        el.gs1[i] = f ? {...rest, field: f} : {...rest, literal: literal ?? ''};
      }), (f) => (f === '' ? T('bind.literal') : f)),
      p.field == null ? txt(`dz-p-ai-${i}-literal`, p.literal, (v) => edit(() => { el.gs1[i].literal = v; })) : null,
      make('button', {type: 'button', className: 'secondary', textContent: '×', title: T('delete'),
        on: {click: () => edit(() => { el.gs1.splice(i, 1); })}})));
    return [make('h3', {textContent: T('prop.gs1')}), ...rows,
      make('button', {type: 'button', className: 'secondary', id: 'dz-p-ai-add', textContent: '+ AI',
        on: {click: () => edit(() => { el.gs1.push({ai: '10', field: 'unit.lot_no'}); })}})];
  }
  function symbology(el, sym) {
    edit(() => {
      el.symbology = sym;
      if (D.GS1.has(sym)) {
        delete el.source;
        if (!el.gs1?.length) el.gs1 = [{ai: sym === 'gs1_128' ? '00' : '01', field: sym === 'gs1_128' ? 'unit.sscc' : 'item.gtin'}];
      } else {
        delete el.gs1;
        el.source = el.source || {field: 'unit.code'};
      }
      if (D.LINEAR.has(sym)) el.height_mm = el.height_mm ?? 12;
      else delete el.height_mm;
    });
  }
  function condition(el) {
    const c = el.print_if;
    const parts = [row(T('prop.print_if'), select('dz-p-if', c?.field ?? '', ['', ...FIELDS], (f) => edit(() => {
      if (!f) delete el.print_if;
      else el.print_if = {...(el.print_if || {op: 'present'}), field: f};
    }), fieldName))];
    if (c) {
      parts.push(row(T('prop.op'), select('dz-p-op', c.op || 'present', OPS, (op) => edit(() => {
        el.print_if = {field: c.field, op};
        if (op === 'equals' || op === 'not_equals') el.print_if.value = '';
        if (op === 'in') el.print_if.value = [];
      }), (op) => T('op.' + op))));
      if (c.op && !['present', 'absent'].includes(c.op)) {
        const shown = Array.isArray(c.value) ? c.value.join(', ') : c.value;
        parts.push(row(T('prop.value'), txt('dz-p-if-value', shown, (v) => edit(() => {
          el.print_if.value = c.op === 'in' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
        }))));
      }
    }
    return parts;
  }
  function samples(fields) {
    const known = [...new Set(fields)].filter((f) => setup.fields[f]);
    if (!known.length) return [];
    return [make('h3', {textContent: T('prop.sample')}), ...known.map((f) => row(f, txt('dz-s-' + f.replace('.', '-'),
      S.doc.sample?.[f], (v) => edit(() => {
        S.doc.sample = {...(S.doc.sample || {})};
        if (v === '') delete S.doc.sample[f];
        else S.doc.sample[f] = v;
      }))))];
  }
  function readsOf(el) {
    const out = el.print_if ? [el.print_if.field] : [];
    const src = el.source;
    if (src?.field) out.push(src.field);
    if (src?.template) for (const m of src.template.matchAll(/\{([a-z_]+\.[a-z_]+)/g)) out.push(m[1]);
    for (const p of el.gs1 || []) if (p.field) out.push(p.field);
    return out;
  }

  function elementForm(el) {
    const id = (name) => 'dz-p-' + name;
    const n = (key, stepBy = 0.5, min = null) => row(T('prop.' + key), num(id(key), el[key], (v) => edit(() => {
      if (v === null) delete el[key]; else el[key] = min === null ? v : Math.max(min, v);
    }), stepBy));
    const parts = [
      make('h2', {textContent: T('properties') + ': ' + el.id}),
      row(T('prop.kind'), select(id('kind'), el.type, D.KINDS, (k) => edit(() => {
        const i = S.doc.elements.indexOf(el);
        S.doc.elements[i] = D.defaults(k, el);
      }), (k) => T('kind.' + k))),
      row(T('prop.id'), txt(id('id'), el.id, (v) => edit(() => { S.selected = [v]; el.id = v; }))),
      make('div', {className: 'dz-pair'}, n('x_mm', 0.5, 0), n('y_mm', 0.5, 0)),
    ];
    if (el.type === 'text') {
      parts.push(...binding(el), make('div', {className: 'dz-pair'}, n('size_pt', 0.5), n('width_mm')),
        row(T('prop.align'), select(id('align'), el.align || 'left', ['left', 'center', 'right'],
          (a) => edit(() => { el.align = a; }), (a) => T('align.' + a))),
        check(id('bold'), el.bold, (v) => edit(() => { el.bold = v; })),
        check(id('cjk'), el.cjk, (v) => edit(() => { el.cjk = v; })));
    } else if (el.type === 'barcode') {
      parts.push(row(T('prop.symbology'), select(id('symbology'), el.symbology, setup.symbologies,
        (sym) => symbology(el, sym), (sym) => T('sym.' + sym))));
      parts.push(...(D.GS1.has(el.symbology) ? gs1Rows(el) : binding(el)));
      if (el.symbology === 'digital_link_qr') {
        parts.push(row(T('prop.domain'), txt(id('domain'), el.domain ?? 'https://id.gs1.org',
          (v) => edit(() => { el.domain = v; }))));
      }
      parts.push(make('div', {className: 'dz-pair'}, n('module_mm', 0.005),
        D.LINEAR.has(el.symbology) ? n('height_mm') : null));
      if (D.LINEAR.has(el.symbology)) {
        parts.push(check(id('human_readable'), el.human_readable !== false, (v) => edit(() => { el.human_readable = v; })));
      }
    } else if (el.type === 'line') {
      parts.push(make('div', {className: 'dz-pair'}, n('length_mm'), n('thickness_mm', 0.1)),
        check(id('vertical'), el.vertical, (v) => edit(() => { el.vertical = v; })));
    } else {
      parts.push(make('div', {className: 'dz-pair'}, n('width_mm'), n('height_mm')));
      if (el.type === 'box') parts.push(n('thickness_mm', 0.1));
      if (el.type === 'image') {
        parts.push(row(T('prop.png'), make('input', {id: id('png'), type: 'file', accept: 'image/png', on: {change: (e) => {
          const file = e.target.files[0];
          if (!file) return;
          const reader = new FileReader();
          reader.onload = () => edit(() => { el.png_base64 = String(reader.result).split(',')[1]; });
          reader.readAsDataURL(file);
        }}})));
      }
    }
    parts.push(...condition(el), ...samples(readsOf(el)));
    const fault = S.faults.filter((f) => f.element === el.id);
    if (fault.length) parts.splice(1, 0, make('ul', {className: 'dz-faults', id: 'dz-p-faults'},
      ...fault.map((f) => make('li', {className: 'flash error', textContent: f.message}))));
    return parts;
  }
  function labelForm() {
    const doc = S.doc;
    const n = (key) => row(T('prop.' + key), num('dz-p-' + key, doc[key], (v) => edit(() => { if (v) doc[key] = v; })));
    return [make('h2', {textContent: T('label')}), make('p', {className: 'muted', textContent: T('hint')}),
      row(T('prop.name'), txt('dz-p-name', doc.name, (v) => edit(() => { doc.name = v; }))),
      make('div', {className: 'dz-pair'}, n('width_mm'), n('height_mm')),
      row('DPI', select('dz-p-dpi', String(doc.dpi), setup.dpis.map(String), (v) => edit(() => { doc.dpi = Number(v); }))),
      ...samples(doc.elements.flatMap(readsOf))];
  }

  function panel() {
    const focused = document.activeElement?.id;
    const chosen = S.selected.map(D.byId).filter(Boolean);
    const parts = chosen.length === 1 ? elementForm(chosen[0])
      : chosen.length > 1 ? [make('h2', {textContent: T('selected', {n: chosen.length})}),
        make('p', {className: 'muted', textContent: T('multi_hint')})]
        : labelForm();
    props.replaceChildren(...parts);
    if (focused) document.getElementById(focused)?.focus();
  }
  D.setPanel(panel);
})();
