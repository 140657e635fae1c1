// snlw-gateway dashboard: plain JavaScript, no build step. Data from /api/v5, live updates over one
// Server-Sent Events stream (/api/v5/events); lists are fetched a page at a time, and only again when
// an event says they changed (debounced), so 10,000 devices cost one page of DOM.
'use strict';

const API = '/api/v5';
const PAGE = 50;
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function api(path, options) {
  const res = await fetch(API + path, options);
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, ok: res.ok, body };
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ago`;
}

function debounce(fn, ms) {
  let t;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

// ------------------------------------------------------------------ tabs

const tabs = ['overview', 'mqttsn', 'lwm2m', 'events'];
function showTab() {
  const name = tabs.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'overview';
  for (const t of tabs) $(`tab-${t}`).hidden = t !== name;
  for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.tab === name);
  if (name === 'mqttsn') loadClients();
  if (name === 'lwm2m') loadDevices();
}
window.addEventListener('hashchange', showTab);

// ------------------------------------------------------------------ overview

let previous = null;
function card(label, value, rate) {
  return el(
    'div',
    { class: 'card' },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value' }, value),
    rate === undefined ? null : el('div', { class: 'rate' }, rate),
  );
}
function perSecond(now, before, pick) {
  if (!before) return '';
  const dt = (now.time - before.time) / 1000;
  const d = pick(now) - pick(before);
  return dt > 0 ? `${Math.max(0, d / dt).toFixed(d / dt < 10 ? 1 : 0)}/s` : '';
}
function renderOverview(o) {
  $('version').textContent = `v${o.version} · up ${o.uptime_s}s`;
  const up = $('upstream');
  up.textContent = o.upstream.connected ? `broker ${o.upstream.description}: up` : `broker ${o.upstream.description}: DOWN`;
  up.className = `pill ${o.upstream.connected ? 'ok' : 'bad'}`;
  const groups = [];
  const p = previous;
  if (o.mqttsn) {
    const sn = o.mqttsn;
    const cards = [];
    cards.push(card('MQTT-SN sessions', sn.sessions, `${sn.connected} connected · ${sn.asleep} asleep`));
    cards.push(
      card(
        'PUBLISH in',
        sn.publishes_in,
        perSecond(o, p, (x) => x.mqttsn?.publishes_in ?? 0),
      ),
    );
    cards.push(
      card(
        'PUBLISH out',
        sn.publishes_out,
        perSecond(o, p, (x) => x.mqttsn?.publishes_out ?? 0),
      ),
    );
    cards.push(
      card(
        'SN datagrams in',
        sn.datagrams.in,
        perSecond(o, p, (x) => x.mqttsn?.datagrams.in ?? 0),
      ),
    );
    cards.push(card('Buffered msgs', sn.buffered));
    cards.push(card('Malformed / dropped', `${sn.malformed} / ${sn.dropped}`, `${sn.lost} clients lost`));
    groups.push(el('h2', {}, 'MQTT-SN'), el('div', { class: 'cards' }, cards));
  }
  if (o.lwm2m) {
    const lw = o.lwm2m;
    const cards = [];
    cards.push(card('LwM2M devices', lw.registrations, `${lw.observations} observations`));
    cards.push(
      card(
        'Notifications',
        lw.notifications,
        perSecond(o, p, (x) => x.lwm2m?.notifications ?? 0),
      ),
    );
    cards.push(
      card(
        'CoAP datagrams in',
        lw.datagrams.in,
        perSecond(o, p, (x) => x.lwm2m?.datagrams.in ?? 0),
      ),
    );
    cards.push(card('CoAP retransmits', lw.retransmissions, `${lw.malformed} malformed`));
    groups.push(el('h2', {}, 'LwM2M'), el('div', { class: 'cards' }, cards));
  }
  $('cards').replaceChildren(...groups);
  previous = o;
}

// ------------------------------------------------------------------ event log

function logLine(e) {
  return el(
    'li',
    { dataset: { gateway: e.gateway, type: e.type } },
    el('span', { class: 't' }, new Date(e.time).toLocaleTimeString()),
    el('span', { class: 'type' }, e.type),
    el('span', { class: 'id' }, e.gateway === 'mqttsn' ? `SN ${e.id}` : e.id),
    el('span', { class: 'd muted' }, e.detail),
  );
}
function addEvent(e) {
  for (const [list, max] of [
    [$('event-log'), 500],
    [$('recent-log'), 12],
  ]) {
    list.prepend(logLine(e));
    while (list.children.length > max) list.lastChild.remove();
  }
  if (e.gateway === 'mqttsn') refreshClients();
  else {
    refreshDevices();
    if (selected === e.id && e.type !== 'update') loadDevice(e.id);
  }
}

// ------------------------------------------------------------------ MQTT-SN clients

// Responses can arrive out of order: only the newest request may draw the list.
const sn = { page: 1, hasnext: false, seq: 0 };
async function loadClients() {
  if ($('tab-mqttsn').hidden) return;
  const q = new URLSearchParams({ page: sn.page, limit: PAGE });
  if ($('sn-filter').value) q.set('like_clientid', $('sn-filter').value);
  if ($('sn-state').value) q.set('conn_state', $('sn-state').value);
  const seq = ++sn.seq;
  const res = await api(`/gateways/mqttsn/clients?${q}`);
  if (seq !== sn.seq) return;
  const body = $('sn-table').tBodies[0];
  if (!res.ok) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 9 }, res.body?.message ?? 'MQTT-SN gateway not loaded')));
    return;
  }
  sn.hasnext = res.body.meta.hasnext;
  $('sn-page').textContent = sn.page;
  $('sn-prev').disabled = sn.page <= 1;
  $('sn-next').disabled = !sn.hasnext;
  $('sn-count').textContent = res.body.meta.count === undefined ? '' : `${res.body.meta.count} client${res.body.meta.count === 1 ? '' : 's'}`;
  body.replaceChildren(
    ...res.body.data.map((c) =>
      el(
        'tr',
        { dataset: { clientid: c.clientid } },
        el('td', {}, el('a', { href: '#mqttsn', onclick: () => showTopics(c.clientid) }, c.clientid)),
        el('td', {}, el('span', { class: `state ${c.conn_state}` }, c.conn_state)),
        el('td', {}, c.ip_address ? `${c.ip_address}:${c.port}` : '—'),
        el('td', { class: 'num' }, `${c.keepalive}s`),
        el('td', { class: 'num' }, c.topics_cnt),
        el('td', { class: 'num' }, c.subscriptions_cnt),
        el('td', { class: 'num' }, c.mqueue_len),
        el('td', {}, ago(c.last_seen)),
        el('td', {}, el('button', { type: 'button', class: 'danger', 'data-action': 'kick', onclick: () => kick(c.clientid) }, 'Kick')),
      ),
    ),
  );
  if (res.body.data.length === 0) body.replaceChildren(el('tr', {}, el('td', { colspan: 9, class: 'muted' }, 'No clients.')));
}
const refreshClients = debounce(loadClients, 250);
async function kick(clientid) {
  if (!confirm(`Disconnect ${clientid} and discard its session?`)) return;
  await api(`/gateways/mqttsn/clients/${encodeURIComponent(clientid)}`, { method: 'DELETE' });
  loadClients();
}
async function showTopics(clientid) {
  const [info, topics, subs] = await Promise.all([
    api(`/gateways/mqttsn/clients/${encodeURIComponent(clientid)}`),
    api(`/gateways/mqttsn/clients/${encodeURIComponent(clientid)}/topics`),
    api(`/gateways/mqttsn/clients/${encodeURIComponent(clientid)}/subscriptions`),
  ]);
  const panel = $('sn-topics');
  panel.hidden = false;
  const c = info.ok ? info.body : null;
  panel.replaceChildren(
    el('h2', {}, clientid),
    c
      ? el(
          'div',
          { class: 'meta' },
          ...[
            ['state', c.conn_state],
            ['address', c.ip_address ? `${c.ip_address}:${c.port}` : '—'],
            ['keepalive', `${c.keepalive}s`],
            ['clean session', c.clean_start ? 'yes' : 'no'],
            ['last seen', ago(c.last_seen)],
            ['in flight', `${c.inflight_cnt}/${c.inflight_max}`],
            ['buffered', `${c.mqueue_len}/${c.mqueue_max}`],
            ['will', c.has_will ? 'set' : 'none'],
          ].map(([k, v]) => el('span', {}, el('b', {}, k), v)),
        )
      : el('p', { class: 'muted' }, 'Client gone.'),
    el(
      'p',
      {},
      el('b', {}, 'Topic ids: '),
      topics.ok && topics.body.length ? topics.body.map((t) => `${t.id} → ${t.topic}${t.known ? '' : ' (not yet known to the client)'}`).join(', ') : 'none',
    ),
    el('p', {}, el('b', {}, 'Subscriptions: '), subs.ok && subs.body.length ? subs.body.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ') : 'none'),
  );
}

// ------------------------------------------------------------------ LwM2M devices

const lw = { page: 1, hasnext: false, seq: 0 };
let selected = null;
async function loadDevices() {
  if ($('tab-lwm2m').hidden) return;
  const q = new URLSearchParams({ page: lw.page, limit: PAGE });
  if ($('lw-filter').value) q.set('like_endpoint_name', $('lw-filter').value);
  const seq = ++lw.seq;
  const res = await api(`/gateways/lwm2m/clients?${q}`);
  if (seq !== lw.seq) return;
  const list = $('lw-list');
  if (!res.ok) {
    list.replaceChildren(el('li', {}, res.body?.message ?? 'LwM2M gateway not loaded'));
    return;
  }
  lw.hasnext = res.body.meta.hasnext;
  $('lw-page').textContent = lw.page;
  $('lw-prev').disabled = lw.page <= 1;
  $('lw-next').disabled = !lw.hasnext;
  $('lw-count').textContent = res.body.meta.count === undefined ? '' : `${res.body.meta.count} device${res.body.meta.count === 1 ? '' : 's'}`;
  list.replaceChildren(
    ...res.body.data.map((d) =>
      el(
        'li',
        {
          class: d.endpoint_name === selected ? 'selected' : '',
          dataset: { endpoint: d.endpoint_name },
          onclick: () => loadDevice(d.endpoint_name),
        },
        el('span', { class: 'ep' }, d.endpoint_name),
        el('span', { class: 'muted' }, d.queue_mode ? 'queue' : d.binding),
      ),
    ),
  );
  if (res.body.data.length === 0) list.replaceChildren(el('li', { class: 'muted' }, 'No devices registered.'));
}
const refreshDevices = debounce(loadDevices, 300);

let deviceSeq = 0;
async function loadDevice(endpoint) {
  selected = endpoint;
  for (const li of $('lw-list').children) li.classList.toggle('selected', li.dataset.endpoint === endpoint);
  openStream(endpoint);
  const seq = ++deviceSeq;
  const [info, tree] = await Promise.all([
    api(`/gateways/lwm2m/clients/${encodeURIComponent(endpoint)}`),
    api(`/gateways/lwm2m/clients/${encodeURIComponent(endpoint)}/objects`),
  ]);
  if (seq !== deviceSeq) return;
  const box = $('device');
  if (!info.ok) {
    box.replaceChildren(el('h2', {}, endpoint), el('p', { class: 'muted' }, 'Not registered.'));
    return;
  }
  const d = info.body;
  const observed = new Set(tree.body.observed);
  box.replaceChildren(
    el('h2', {}, d.endpoint_name),
    el(
      'div',
      { class: 'meta' },
      ...[
        ['address', `${d.ip_address}:${d.port}`],
        ['LwM2M', d.proto_ver],
        ['lifetime', `${d.lifetime}s`],
        ['binding', d.binding + (d.queue_mode ? ' (queue)' : '')],
        ['last seen', ago(d.last_seen)],
        ['queue', d.queue_depth],
        ['security', d.security],
        ['observations', d.observations],
      ].map(([k, v]) => el('span', {}, el('b', {}, k), v)),
    ),
    ...tree.body.objects.map((o) => objectNode(endpoint, o, observed)),
  );
}

function opButton(label, action, handler) {
  return el(
    'button',
    {
      type: 'button',
      'data-action': action,
      title: action,
      onclick: (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        handler(ev.currentTarget);
      },
    },
    label,
  );
}

function objectNode(endpoint, o, observed) {
  const summary = el(
    'summary',
    {},
    el('span', { class: 'title' }, `${o.path} ${o.name}`, o.version ? el('span', { class: 'muted' }, ` v${o.version}`) : null),
    el('span', { class: 'badge' }),
    opButton('Read', 'read', (b) => command(endpoint, 'read', o.path, b)),
    opButton('Observe', 'observe', (b) => command(endpoint, 'observe', o.path, b)),
    opButton('Cancel', 'cancel-observe', (b) => command(endpoint, 'cancel-observe', o.path, b)),
  );
  const rows = o.resources.map((r) => {
    const path = o.instanceId === null ? null : `${o.path}/${r.id}`;
    const ops = [el('span', { class: 'badge' })];
    if (path && r.operations.includes('R')) ops.push(opButton('Read', 'read', (b) => command(endpoint, 'read', path, b)));
    if (path && r.operations.includes('W')) ops.push(opButton('Write', 'write', (b) => startWrite(endpoint, path, r, b)));
    if (path && r.operations.includes('E')) ops.push(opButton('Execute', 'execute', (b) => command(endpoint, 'execute', path, b)));
    if (path && r.operations.includes('R')) {
      ops.push(opButton('Observe', 'observe', (b) => command(endpoint, 'observe', path, b)));
      ops.push(opButton('Cancel', 'cancel-observe', (b) => command(endpoint, 'cancel-observe', path, b)));
    }
    return el(
      'div',
      { class: 'res', dataset: { path: path ?? '' } },
      el('span', { class: 'id' }, r.id),
      el(
        'span',
        { class: 'name', title: r.description },
        r.name,
        el('small', {}, [r.type === 'none' ? '' : r.type, r.units, r.multiple ? 'multiple' : ''].filter(Boolean).join(' · ')),
      ),
      el('span', { class: `val${path && observed.has(path) ? ' observed' : ''}`, dataset: { valuePath: path ?? '' } }),
      el('span', { class: 'ops' }, ops),
    );
  });
  return el(
    'details',
    { class: 'object', open: o.objectId !== 0 && o.objectId !== 1 ? true : undefined, dataset: { path: o.path } },
    summary,
    rows.length ? rows : el('p', { class: 'muted', style: 'padding:.4rem .6rem;margin:0' }, 'No object definition loaded for this object.'),
  );
}

function showValues(content, observedPath) {
  if (!Array.isArray(content)) return;
  for (const entry of content) {
    if (typeof entry !== 'object' || entry === null) continue;
    // Multiple-instance resources arrive as /o/i/r/ri entries: shown on their resource's row.
    const parts = String(entry.path).split('/');
    const resourcePath = parts.slice(0, 4).join('/');
    const cell = document.querySelector(`[data-value-path="${CSS.escape(resourcePath)}"]`);
    if (!cell) continue;
    const text = parts.length > 4 ? `${parts[4]}: ${entry.value}` : String(entry.value);
    cell.textContent = parts.length > 4 && cell.dataset.multi === '1' ? `${cell.textContent}, ${text}` : text;
    if (parts.length > 4) cell.dataset.multi = '1';
    if (observedPath) cell.classList.add('observed');
  }
}

// One status slot per row (first in its button group), so a result never shifts the buttons.
function badge(button, ok, text) {
  const slot = button.closest('.ops, summary').querySelector('.badge');
  slot.className = `badge ${ok ? 'ok' : 'err'}`;
  slot.title = text;
  slot.textContent = ok ? `✓ ${text.split(' ')[0]}` : `✗ ${text.split(':')[0]}`;
}

async function command(endpoint, msgType, path, button, extra) {
  button.disabled = true;
  for (const c of document.querySelectorAll(`[data-value-path^="${CSS.escape(path)}"]`)) delete c.dataset.multi;
  try {
    const res = await api(`/gateways/lwm2m/clients/${encodeURIComponent(endpoint)}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgType, data: { path, ...extra } }),
    });
    const data = res.body && res.body.data;
    const ok = res.ok && data && /^2\./.test(data.code);
    badge(button, ok, data ? `${data.code} ${data.codeMsg}${data.reason ? `: ${data.reason}` : ''}` : (res.body?.message ?? String(res.status)));
    if (ok && data.content) {
      for (const c of document.querySelectorAll(`[data-value-path^="${CSS.escape(path)}"]`)) delete c.dataset.multi;
      showValues(data.content, msgType === 'observe');
    }
    if (ok && msgType === 'cancel-observe')
      for (const c of document.querySelectorAll(`[data-value-path^="${CSS.escape(path)}"]`)) c.classList.remove('observed');
  } finally {
    button.disabled = false;
  }
}

function startWrite(endpoint, path, resource, button) {
  const cell = document.querySelector(`[data-value-path="${CSS.escape(path)}"]`);
  const input = el('input', { type: 'text', 'aria-label': `value for ${path}`, placeholder: resource.type, value: cell.textContent });
  const form = el(
    'form',
    {
      class: 'write',
      onsubmit: (ev) => {
        ev.preventDefault();
        command(endpoint, 'write', path, button, { type: resource.type, value: input.value }).then(() => {
          cell.textContent = input.value;
        });
      },
    },
    input,
  );
  cell.replaceChildren(form);
  input.focus();
}

// ------------------------------------------------------------------ live stream

let stream = null;
let streamEndpoint;
function openStream(endpoint) {
  if (stream && streamEndpoint === endpoint) return;
  if (stream) stream.close();
  streamEndpoint = endpoint;
  stream = new EventSource(`${API}/events${endpoint ? `?endpoint=${encodeURIComponent(endpoint)}` : ''}`);
  stream.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').className = 'pill ok';
    // Events may have been missed while the stream was (re)connecting: draw the lists afresh.
    refreshClients();
    refreshDevices();
  });
  stream.addEventListener('error', () => {
    $('live').textContent = 'reconnecting…';
    $('live').className = 'pill bad';
  });
  stream.addEventListener('overview', (ev) => renderOverview(JSON.parse(ev.data)));
  stream.addEventListener('event', (ev) => addEvent(JSON.parse(ev.data)));
  stream.addEventListener('notify', (ev) => {
    const n = JSON.parse(ev.data);
    if (n.endpoint === selected && n.message.data) showValues(n.message.data.content, true);
  });
}

// ------------------------------------------------------------------ start

$('sn-prev').onclick = () => {
  sn.page -= 1;
  loadClients();
};
$('sn-next').onclick = () => {
  sn.page += 1;
  loadClients();
};
$('sn-filter').oninput = debounce(() => {
  sn.page = 1;
  loadClients();
}, 250);
$('sn-state').onchange = () => {
  sn.page = 1;
  loadClients();
};
$('lw-prev').onclick = () => {
  lw.page -= 1;
  loadDevices();
};
$('lw-next').onclick = () => {
  lw.page += 1;
  loadDevices();
};
$('lw-filter').oninput = debounce(() => {
  lw.page = 1;
  loadDevices();
}, 250);

api('/events/log?limit=200').then((res) => {
  if (!res.ok) return;
  for (const e of res.body) {
    $('event-log').prepend(logLine(e));
    $('recent-log').prepend(logLine(e));
  }
  while ($('recent-log').children.length > 12) $('recent-log').lastChild.remove();
});
openStream(undefined);
showTab();
