// Locci Proxy dashboard: reads the control API every 2 seconds and shows it. Read-only.
// Every value from the API reaches the page through textContent or setAttribute, never as HTML.
// With control_api.api_key set, the key is asked for once, kept in sessionStorage (this tab only) and
// sent as X-API-Key on every request; polling (not EventSource, which cannot send headers).
'use strict';

(function () {
  const POLL_MS = 2000;
  const KEY_STORE = 'locci.dashboard.apiKey';
  const API = '../api/v1/';

  const $ = (id) => document.getElementById(id);
  let timer = null;
  let softwareVersion = null;
  let lastHealthSummary = '';

  // Bumped when the key changes or is forgotten: a refresh begun before then drops its answers.
  let generation = 0;

  class Unauthorized extends Error {}

  class Failed extends Error {}

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORE);
    } catch (e) {
      return null;
    }
  }

  function storeKey(key) {
    try {
      if (key === null) {
        sessionStorage.removeItem(KEY_STORE);
      } else {
        sessionStorage.setItem(KEY_STORE, key);
      }
    } catch (e) {
      // Storage disabled: the key then lives in this page only.
    }
    memoryKey = key;
  }

  let memoryKey = storedKey();

  async function api(path) {
    const headers = { Accept: 'application/json' };
    if (memoryKey) {
      headers['X-API-Key'] = memoryKey;
    }
    const response = await fetch(API + path, { headers: headers, cache: 'no-store', credentials: 'omit' });
    if (response.status === 401) {
      throw new Unauthorized();
    }
    if (!response.ok) {
      throw new Failed(path + ' answered HTTP ' + response.status);
    }
    return response.json();
  }

  /** The members in cluster mode; null when the node is not in cluster mode (the API answers 404). */
  async function clusterOrNull() {
    try {
      return await api('cluster');
    } catch (e) {
      if (e instanceof Failed && e.message.endsWith('HTTP 404')) {
        return null;
      }
      throw e;
    }
  }

  // ---- DOM helpers: text only ----

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) {
        node.setAttribute(name, String(value));
      }
    }
    for (const child of children) {
      if (child === null || child === undefined) {
        continue;
      }
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function cell(label, content, attrs) {
    return el('td', Object.assign({ 'data-label': label, role: 'cell' }, attrs || {}), content);
  }

  function tags(list) {
    const span = el('span');
    if (!list || list.length === 0) {
      span.textContent = 'none';
      return span;
    }
    list.forEach((name) => span.appendChild(el('span', { class: 'tag' }, name)));
    return span;
  }

  function setText(id, text) {
    const node = $(id);
    if (node.textContent !== text) {
      node.textContent = text;
    }
  }

  // ---- formatting ----

  function uptime(secs) {
    const d = Math.floor(secs / 86400);
    const h = Math.floor((secs % 86400) / 3600);
    const m = Math.floor((secs % 3600) / 60);
    const s = Math.floor(secs % 60);
    if (d > 0) return d + ' d ' + h + ' h ' + m + ' min';
    if (h > 0) return h + ' h ' + m + ' min';
    if (m > 0) return m + ' min ' + s + ' s';
    return s + ' s';
  }

  function modeName(mode) {
    return mode === 'api_gateway' ? 'API gateway' : mode === 'load_balancer' ? 'Load balancer' : String(mode);
  }

  function perSecond(n) {
    return (n / 60).toFixed(n === 0 ? 0 : 2) + '/s';
  }

  function localTime(iso) {
    const date = new Date(iso);
    return isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
  }

  // ---- rendering ----

  function renderStatus(status) {
    setText('mode', modeName(status.mode));
    setText('uptime', uptime(Number(status.uptime_secs) || 0));
    setText('config-version', String(status.config_version));
    setText('instances', String(status.instances));
    if (softwareVersion !== null) {
      setText('version', softwareVersion);
    }
  }

  function routeRows(status, routes, traffic, config) {
    const byName = new Map((traffic.routes || []).map((t) => [t.route, t]));
    const rows = [];
    if (status.mode === 'load_balancer') {
      const lb = (config && config.load_balancer) || {};
      rows.push({ name: '(every request)', match: 'any path', upstream: lb.upstream, middlewares: lb.middlewares,
        traffic: byName.get('') });
    } else {
      (routes.routes || []).forEach((r) => {
        const parts = [];
        if (r.host) parts.push('host ' + r.host);
        parts.push('path ' + r.path_pattern);
        parts.push(r.methods && r.methods.length ? r.methods.join(', ') : 'any method');
        if (r.strip_prefix) parts.push('strip prefix');
        rows.push({ name: r.name, match: parts.join(' · '), upstream: r.upstream, middlewares: r.middlewares,
          traffic: byName.get(r.name) });
      });
      if (byName.has('')) {
        rows.push({ name: '(no route matched)', match: 'answered 404/405', upstream: null, middlewares: [],
          traffic: byName.get('') });
      }
    }
    return rows;
  }

  function renderRoutes(rows) {
    const body = el('tbody', { role: 'rowgroup' });
    if (rows.length === 0) {
      body.appendChild(el('tr', { role: 'row' }, el('td', { colspan: 7, class: 'empty', role: 'cell' }, 'No routes.')));
    }
    rows.forEach((r, i) => {
      const t = r.traffic || { requests: 0, errors: 0 };
      const errors = el('span', { class: t.errors > 0 ? 'errors-some' : null },
        t.errors + (t.requests > 0 ? ' (' + ((100 * t.errors) / t.requests).toFixed(1) + '%)' : ''));
      body.appendChild(el('tr', { role: 'row', 'data-route': r.name },
        cell('#', String(i + 1)),
        cell('Route', el('strong', null, r.name)),
        cell('Match', el('code', null, r.match)),
        cell('Upstream', r.upstream ? r.upstream : '–'),
        cell('Middlewares', tags(r.middlewares)),
        cell('Requests / min', t.requests + ' (' + perSecond(t.requests) + ')', { class: 'num' }),
        cell('Errors / min', errors, { class: 'num' })));
    });
    $('routes').replaceChild(body, $('routes').tBodies[0]);
  }

  function renderUpstreams(upstreams) {
    const box = el('div', { id: 'upstreams' });
    let total = 0;
    const down = [];
    (upstreams.upstreams || []).forEach((u) => {
      const id = 'upstream-' + Array.from(u.name).map((c) => c.charCodeAt(0).toString(16)).join('');
      const servers = u.servers || [];
      const healthy = servers.filter((s) => s.healthy).length;
      box.appendChild(el('h3', { id: id }, u.name + ' ',
        el('span', { class: 'hint' }, '(' + u.strategy + ', ' + healthy + ' of ' + servers.length + ' healthy)')));
      const body = el('tbody', { role: 'rowgroup' });
      servers.forEach((s) => {
        total++;
        if (!s.healthy) down.push(u.name + ' ' + s.address);
        body.appendChild(el('tr', { role: 'row', 'data-server': s.address },
          cell('Server', el('code', null, s.address)),
          cell('Health', el('span', { class: 'health ' + (s.healthy ? 'up' : 'down') },
            s.healthy ? '● healthy' : '✕ unhealthy')),
          cell('Active connections', String(s.active_connections), { class: 'num' }),
          cell('Weight', String(s.weight), { class: 'num' })));
      });
      box.appendChild(el('table', { class: 'stack servers', role: 'table', 'aria-labelledby': id, 'data-upstream': u.name },
        el('thead', { role: 'rowgroup' }, el('tr', { role: 'row' },
          el('th', { scope: 'col', role: 'columnheader' }, 'Server'),
          el('th', { scope: 'col', role: 'columnheader' }, 'Health'),
          el('th', { scope: 'col', role: 'columnheader', class: 'num' }, 'Active connections'),
          el('th', { scope: 'col', role: 'columnheader', class: 'num' }, 'Weight'))),
        body));
    });
    if (total === 0) {
      box.appendChild(el('p', { class: 'hint' }, 'No upstream groups.'));
    }
    $('upstreams').replaceWith(box);
    // Announced by screen readers (aria-live) only when it changes, not on every refresh.
    const summary = down.length === 0
      ? 'All ' + total + ' servers healthy.'
      : down.length + ' of ' + total + ' servers unhealthy: ' + down.join(', ') + '.';
    if (summary !== lastHealthSummary) {
      lastHealthSummary = summary;
      $('health-summary').textContent = summary;
    }
  }

  // server.tls.acme: one row per domain; the card stays hidden without ACME.
  function renderCertificates(acme) {
    $('certificates-card').hidden = !Array.isArray(acme);
    const body = el('tbody', { role: 'rowgroup' });
    (acme || []).forEach((d) => {
      body.appendChild(el('tr', { role: 'row', 'data-domain': d.domain },
        cell('Domain', el('code', null, d.domain)),
        cell('State', el('span', { class: 'health ' + (d.state === 'failed' ? 'down' : 'up') }, d.state)),
        cell('Expires', d.not_after ? el('time', { datetime: d.not_after }, localTime(d.not_after)) : '–'),
        cell('Last error', d.last_error ? d.last_error : '–')));
    });
    $('certificates').replaceChild(body, $('certificates').tBodies[0]);
  }

  function renderCluster(cluster) {
    $('cluster').hidden = cluster === null;
    if (cluster === null) {
      return;
    }
    const body = el('tbody', { role: 'rowgroup' });
    (cluster.members || []).forEach((m) => {
      body.appendChild(el('tr', { role: 'row', 'data-member': m.address },
        cell('Address', el('code', null, m.address)),
        cell('Node id', el('code', null, m.id)),
        cell('Config version', String(m.config_version), { class: 'num' }),
        cell('Health', el('span', { class: 'health ' + (m.healthy ? 'up' : 'down') },
          m.healthy ? '● live' : '✕ silent'))));
    });
    $('members').replaceChild(body, $('members').tBodies[0]);
  }

  function diffLines(diff) {
    const lines = [];
    ['routes', 'upstreams', 'middlewares'].forEach((kind) => {
      const c = (diff && diff[kind]) || {};
      const parts = [];
      if (c.added && c.added.length) parts.push('added ' + c.added.join(', '));
      if (c.removed && c.removed.length) parts.push('removed ' + c.removed.join(', '));
      if (c.changed && c.changed.length) parts.push('changed ' + c.changed.join(', '));
      if (parts.length) lines.push(kind.charAt(0).toUpperCase() + kind.slice(1) + ': ' + parts.join('; '));
    });
    if (diff && diff.sections && diff.sections.length) {
      lines.push('Sections: ' + diff.sections.join(', '));
    }
    return lines;
  }

  function renderChanges(changes) {
    const list = el('ol', { id: 'changes', class: 'changes' });
    (changes.changes || []).forEach((c) => {
      const source = c.source === 'reload' ? 'Reload of the file' : 'Change through the control API';
      const result = c.result === 'refused' ? 'refused, version ' + c.version + ' stays'
        : c.result === 'unchanged' ? 'no changes' : 'version ' + c.version;
      const details = el('ul');
      diffLines(c.diff).forEach((line) => details.appendChild(el('li', null, line)));
      (c.errors || []).forEach((e) => details.appendChild(el('li', null, el('code', null, e))));
      if (c.restart_required && c.restart_required.length) {
        details.appendChild(el('li', null, el('span', { class: 'restart' },
          'Needs a restart: ' + c.restart_required.join(', '))));
      }
      list.appendChild(el('li', null,
        el('span', { class: 'what result-' + c.result }, source + ': ' + result),
        ' · ', el('time', { datetime: c.at }, localTime(c.at)),
        details.childNodes.length ? details : null));
    });
    $('changes-empty').hidden = list.childNodes.length > 0;
    $('changes').replaceWith(list);
  }

  // ---- polling and the key prompt ----

  function showLogin(message) {
    generation++;
    clearTimeout(timer);
    timer = null;
    $('dashboard').hidden = true;
    $('forget-key').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    setText('connection', message ? 'API key not accepted' : 'API key required');
    $('api-key').value = '';
    $('api-key').focus();
  }

  async function refresh() {
    timer = null;
    const mine = generation;
    try {
      if (softwareVersion === null) {
        const v = await api('version');
        softwareVersion = v.version;
      }
      const status = await api('status');
      const [routes, upstreams, traffic, changes, config, cluster] = await Promise.all([
        api('routes'), api('upstreams'), api('traffic'), api('changes'),
        status.mode === 'load_balancer' ? api('config') : Promise.resolve(null), clusterOrNull()]);
      if (mine !== generation) {
        return;
      }
      renderStatus(status);
      renderRoutes(routeRows(status, routes, traffic, config));
      renderUpstreams(upstreams);
      renderCertificates(status.acme);
      renderChanges(changes);
      renderCluster(cluster);
      $('login').hidden = true;
      $('dashboard').hidden = false;
      $('forget-key').hidden = !memoryKey;
      const connection = $('connection');
      connection.classList.remove('down');
      setText('connection', 'Connected · ' + modeName(status.mode) + ' · config version ' + status.config_version);
      setText('updated', new Date().toLocaleTimeString());
    } catch (e) {
      if (mine !== generation) {
        return;
      }
      if (e instanceof Unauthorized) {
        const hadKey = !!memoryKey;
        storeKey(null);
        showLogin(hadKey ? 'That API key was not accepted. Enter the key of control_api.api_key.' : '');
        return;
      }
      $('connection').classList.add('down');
      setText('connection', (e instanceof Failed ? 'The control API failed (' : 'Cannot reach the control API (')
        + e.message + '); retrying. Data shown may be stale.');
    }
    schedule();
  }

  function schedule() {
    if (timer === null) {
      timer = setTimeout(refresh, POLL_MS);
    }
  }

  function start() {
    $('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const key = $('api-key').value.trim();
      if (!key) {
        $('login-error').textContent = 'Enter the API key.';
        $('api-key').focus();
        return;
      }
      storeKey(key);
      generation++;
      $('login-error').textContent = '';
      clearTimeout(timer);
      timer = null;
      refresh().then(() => {
        if (!$('dashboard').hidden) {
          $('main').focus();
        }
      });
    });
    $('forget-key').addEventListener('click', () => {
      storeKey(null);
      showLogin('');
    });
    refresh();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
