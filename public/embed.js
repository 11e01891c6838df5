/*! Formharbor embed.js, MIT */
(() => {
  'use strict';
  const w = window;
  const d = document;
  if (w.Formharbor) return;

  const script = d.currentScript || [...d.querySelectorAll('script[src*="embed.js"]')].pop();
  // The API is where this script came from.
  const API = new URL(script.src, location.href).origin;
  const PREFIX = 'formharbor:';

  const TEXTS = {
    en: {
      sending: 'Sending…',
      success: 'Thank you! Your message has been sent.',
      saved: 'No connection right now. Your message is saved on this device and will be sent automatically.',
      wait: 'Too many messages right now. Your message is saved and will be sent in a moment.',
      delivered: 'Your saved message has now been sent. Thank you!',
      invalid: 'Please correct the marked fields.',
      failed: 'Sorry, your message could not be sent (error {code}).',
      'too-large': 'Your message is too large to be sent.',
      'error-required': 'This field is required.',
      'error-email': 'Enter a valid email address.',
      'error-url': 'Enter a web address starting with http:// or https://.',
      'error-tel': 'Enter a valid phone number.',
      'error-number': 'Enter a number.',
      'error-date': 'Enter a date as YYYY-MM-DD.',
      'error-max': 'At most {n} characters.',
      captcha: 'Please complete the check above the button, then send again.',
    },
    'zh-TW': {
      sending: '傳送中…',
      success: '謝謝！您的訊息已送出。',
      saved: '目前無法連線。您的訊息已儲存在這個裝置上，恢復連線後會自動送出。',
      wait: '目前送出的訊息太多。您的訊息已儲存，稍後會自動送出。',
      delivered: '您先前儲存的訊息已經送出，謝謝！',
      invalid: '請修正標示的欄位。',
      failed: '抱歉，您的訊息無法送出（錯誤 {code}）。',
      'too-large': '您的訊息太大，無法送出。',
      'error-required': '此欄位為必填。',
      'error-email': '請輸入有效的電子郵件地址。',
      'error-url': '請輸入以 http:// 或 https:// 開頭的網址。',
      'error-tel': '請輸入有效的電話號碼。',
      'error-number': '請輸入數字。',
      'error-date': '請以 YYYY-MM-DD 格式輸入日期。',
      'error-max': '最多 {n} 個字元。',
      captcha: '請先完成按鈕上方的驗證，再重新送出。',
    },
    de: {
      sending: 'Wird gesendet …',
      success: 'Vielen Dank! Ihre Nachricht wurde gesendet.',
      saved: 'Zurzeit keine Verbindung. Ihre Nachricht ist auf diesem Gerät gespeichert und wird automatisch gesendet.',
      wait: 'Gerade werden zu viele Nachrichten gesendet. Ihre Nachricht ist gespeichert und wird gleich gesendet.',
      delivered: 'Ihre gespeicherte Nachricht wurde jetzt gesendet. Vielen Dank!',
      invalid: 'Bitte korrigieren Sie die markierten Felder.',
      failed: 'Leider konnte Ihre Nachricht nicht gesendet werden (Fehler {code}).',
      'too-large': 'Ihre Nachricht ist zu groß, um gesendet zu werden.',
      'error-required': 'Bitte füllen Sie dieses Feld aus.',
      'error-email': 'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
      'error-url': 'Bitte geben Sie eine Adresse ein, die mit http:// oder https:// beginnt.',
      'error-tel': 'Bitte geben Sie eine gültige Telefonnummer ein.',
      'error-number': 'Bitte geben Sie eine Zahl ein.',
      'error-date': 'Bitte geben Sie ein Datum im Format JJJJ-MM-TT ein.',
      'error-max': 'Höchstens {n} Zeichen.',
      captcha: 'Bitte schließen Sie die Prüfung über der Schaltfläche ab und senden Sie erneut.',
    },
  };
  // Server messages we can translate; others are shown as sent.
  const SERVER_TEXTS = [
    [/^This field is required/, 'error-required'],
    [/^Enter a valid email/, 'error-email'],
    [/^Enter a URL/, 'error-url'],
    [/^Enter a valid phone/, 'error-tel'],
    [/^Enter a number/, 'error-number'],
    [/^Enter a date/, 'error-date'],
    [/^At most (\d+) characters/, 'error-max'],
  ];

  const forms = new WeakMap();
  const owners = new Map();
  const inflight = new Set();
  const memory = new Map();
  let timer = 0;
  let seq = 0;
  const store = (use) => {
    try {
      return use(w.localStorage);
    } catch (e) {}
  };

  const data = (el, name) => (el && el.hasAttribute('data-' + name) ? el.getAttribute('data-' + name) : null);

  function lang(form) {
    const tag = (data(form, 'lang') || data(script, 'lang') || (form.closest('[lang]') || {}).lang || 'en').toLowerCase();
    return /^zh/.test(tag) ? 'zh-TW' : /^de/.test(tag) ? 'de' : 'en';
  }

  function say(form, key, vars) {
    const text = data(form, key) ?? data(script, key) ?? TEXTS[lang(form)][key] ?? TEXTS.en[key];
    return text.replace(/\{(\w+)\}/g, (_, name) => (vars && vars[name] != null ? vars[name] : ''));
  }

  function serverText(form, message) {
    for (const [pattern, key] of SERVER_TEXTS) {
      const match = pattern.exec(message);
      if (match) return say(form, key, { n: match[1] });
    }
    return message;
  }

  function endpoint(form) {
    const id = form.getAttribute('data-formharbor');
    if (id) return API + '/f/' + encodeURIComponent(id);
    try {
      const url = new URL(form.getAttribute('action') || '', d.baseURI);
      if (id !== null || (url.origin === API && url.pathname.startsWith('/f/'))) return url.href;
    } catch (e) {}
    return null;
  }

  function entries(form, submitter) {
    let fields;
    try {
      fields = new FormData(form, submitter);
    } catch (e) {
      fields = new FormData(form);
    }
    // The server takes no files.
    return [...fields].filter((pair) => typeof pair[1] === 'string');
  }

  const newKey = () =>
    w.crypto.randomUUID ? crypto.randomUUID() : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => (b + 256).toString(16).slice(1)).join('');

  function show(form, key, vars) {
    forms.get(form).status.textContent = say(form, key, vars);
    form.setAttribute('data-formharbor-state', key);
  }

  function busy(form, on) {
    const st = forms.get(form);
    st.busy = on;
    for (const button of st.off.splice(0)) button.disabled = false;
    if (on) {
      form.setAttribute('aria-busy', 'true');
      for (const el of form.elements) {
        if (el.type === 'submit' && !el.disabled) {
          el.disabled = true;
          st.off.push(el);
        }
      }
    } else form.removeAttribute('aria-busy');
  }

  function clearErrors(form) {
    const st = forms.get(form);
    st.marked.forEach((before, el) => {
      el.removeAttribute('aria-invalid');
      if (before === null) el.removeAttribute('aria-describedby');
      else el.setAttribute('aria-describedby', before);
    });
    st.marked.clear();
    for (const note of st.notes.splice(0)) note.remove();
  }

  function showErrors(form, fields) {
    const st = forms.get(form);
    const loose = [];
    for (const name of Object.keys(fields || {})) {
      const text = [].concat(fields[name]).map((message) => serverText(form, String(message))).join(' ');
      const els = [...form.elements].filter((el) => (el.name === name || el.name === name + '[]') && el.type !== 'hidden');
      if (!els.length) {
        loose.push(name + ': ' + text);
        continue;
      }
      const note = d.createElement('span');
      note.id = 'formharbor-error-' + ++seq;
      note.className = 'formharbor-error';
      note.textContent = text;
      const last = els[els.length - 1];
      (last.parentNode.tagName === 'LABEL' ? last.parentNode : last).after(note);
      st.notes.push(note);
      for (const el of els) {
        const before = el.getAttribute('aria-describedby');
        st.marked.set(el, before);
        el.setAttribute('aria-invalid', 'true');
        el.setAttribute('aria-describedby', before ? before + ' ' + note.id : note.id);
      }
    }
    show(form, 'invalid');
    if (loose.length) st.status.textContent += ' ' + loose.join(' ');
    const first = [...form.elements].find((el) => st.marked.has(el));
    if (first) first.focus();
  }

  // After a reload: put a refused saved message back, never over new input.
  function restore(form, pairs) {
    const used = new Set();
    for (const [name, value] of pairs) {
      const named = [...form.elements].filter((el) => el.name === name && name !== '_gotcha' && !used.has(el));
      const box = named.find((el) => /^(checkbox|radio)$/.test(el.type) && el.value === value);
      const el = named.find((el) => !/^(checkbox|radio|hidden|submit|button|reset|image|file)$/.test(el.type));
      if (box) box.checked = true;
      else if (el && el.multiple) for (const option of el.options) option.selected = option.selected || option.value === value;
      else if (el) {
        used.add(el);
        if (el.tagName === 'SELECT' || !el.value) el.value = value;
      }
    }
  }

  function keep(job) {
    memory.set(job.k, job);
    store((ls) => ls.setItem(PREFIX + job.k, JSON.stringify(job)));
  }

  function drop(job) {
    memory.delete(job.k);
    store((ls) => ls.removeItem(PREFIX + job.k));
  }

  function saved() {
    const jobs = new Map(memory);
    store((ls) => {
      for (let i = 0; i < ls.length; i++) {
        const name = ls.key(i);
        try {
          const job = name.startsWith(PREFIX) && JSON.parse(ls.getItem(name));
          if (job && new URL(job.u).origin === API) jobs.set(job.k, job);
        } catch (e) {}
      }
    });
    return [...jobs.values()];
  }

  // Refused jobs wait, unsent, for a page with their form to show why.
  const pending = () => saved().filter((job) => !job.x && !inflight.has(job.k));

  const backoff = (attempt) => Math.min(60000, 1000 * 2 ** attempt) * (0.8 + Math.random() * 0.4);

  function retryAfter(res) {
    // Readable only if the server exposes it to CORS.
    const value = res.headers.get('Retry-After');
    const ms = /^\d+$/.test(value) ? value * 1000 : Date.parse(value) - Date.now();
    return ms > 0 ? ms : 2000;
  }

  function schedule() {
    clearTimeout(timer);
    const jobs = pending();
    if (!jobs.length) return;
    const due = Math.min(...jobs.map((job) => job.n || 0)) - Date.now();
    timer = setTimeout(flush, Math.min(3600000, Math.max(0, due)) + 50);
  }

  function flush(now) {
    for (const job of pending()) if (now === true || !(job.n > Date.now())) send(job);
    schedule();
  }

  // A CORS refusal looks like a network error: it is one if the app answers (not a proxy's
  // 502) but refuses a preflight for the form. Else the connection failed: keep and resend.
  const refused = (url) =>
    fetch(API + '/embed.js', { method: 'HEAD', cache: 'no-store' }).then(
      (res) => res.ok && fetch(url, { method: 'OPTIONS', credentials: 'omit' }).then(() => false, () => true),
      () => false,
    );

  async function send(job) {
    if (inflight.has(job.k)) return;
    inflight.add(job.k);
    // Saved first: a tab closed mid-request still has it next visit.
    job.n = Date.now() + backoff(job.a);
    job.a++;
    keep(job);
    let res = null;
    let answer = {};
    try {
      res = await fetch(job.u, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Idempotency-Key': job.k },
        body: new URLSearchParams(job.e),
        credentials: 'omit',
        signal: w.AbortSignal && AbortSignal.timeout ? AbortSignal.timeout(30000) : undefined,
      });
      answer = await res.json().catch(() => ({}));
    } catch (error) {
      if (error.name === 'TypeError' && navigator.onLine !== false && (await refused(job.u))) res = { status: 0 };
    }
    inflight.delete(job.k);
    settle(job, res, answer);
  }

  function settle(job, res, answer) {
    const mine = owners.get(job.k);
    const form = mine || [...d.forms].find((f) => forms.has(f) && endpoint(f) === job.u);
    const st = form && forms.get(form);
    if (mine) busy(mine, false);
    // A token is good for one answer: a fresh check for the next send.
    if (mine && forms.get(mine).reset) forms.get(mine).reset();
    const status = res ? res.status : -1;
    if (status >= 200 && status < 300) {
      drop(job);
      owners.delete(job.k);
      // Only the page whose form sent it navigates; a saved message delivered later never does.
      if (mine && /^https?:\/\//i.test(answer.redirect || '')) return location.assign(answer.redirect);
      if (!form) return;
      if (mine && st.key === job.k) {
        st.key = null;
        // A control named "reset" hides the method.
        if (JSON.stringify(entries(form)) === st.view) HTMLFormElement.prototype.reset.call(form);
      }
      return show(form, job.q ? 'delivered' : 'success');
    }
    if (!res || status >= 500 || status === 429 || answer.error === 'idempotency_in_progress') {
      if (res && status < 500) job.n = Date.now() + retryAfter(res);
      job.q = 1;
      keep(job);
      if (mine) show(mine, status === 429 ? 'wait' : 'saved');
      return schedule();
    }
    // Refused for good (422, 403, 404, 409, 413): input kept, visitor told why. With no form
    // here to tell, it stays saved (unsent) until a page with its form shows it.
    owners.delete(job.k);
    if (!form) {
      job.x = { s: status, a: answer };
      return keep(job);
    }
    drop(job);
    refuse(form, job, status, answer, mine);
  }

  function refuse(form, job, status, answer, mine) {
    if (!mine) restore(form, job.e);
    clearErrors(form);
    if (status === 422 && answer.error === 'captcha') return captchaError(form);
    if (status === 422) return showErrors(form, answer.fields);
    if (answer.error === 'idempotency_conflict') forms.get(form).key = null;
    show(form, status === 413 ? 'too-large' : 'failed', { code: status || 'CORS' });
  }

  function submit(form, submitter) {
    const st = forms.get(form);
    if (st.busy) return;
    const url = endpoint(form);
    const fields = entries(form, submitter);
    const body = JSON.stringify([url, fields]);
    // Same filled form, same key: every retry is stored once.
    if (body !== st.body || !st.key) {
      st.key = newKey();
      st.body = body;
    }
    st.view = JSON.stringify(entries(form));
    owners.set(st.key, form);
    clearErrors(form);
    busy(form, true);
    show(form, 'sending');
    const job = { k: st.key, u: url, e: fields, a: 0 };
    if (!st.token) return send(job);
    // A new token each send, the same message: the key leaves it out.
    st.token().then(
      (token) => send({ ...job, e: fields.concat([['g-recaptcha-response', token]]) }),
      () => send(job),
    );
  }

  function honeypot(form) {
    if (form.querySelector('[name="_gotcha"]')) return;
    const box = d.createElement('div');
    const input = d.createElement('input');
    box.setAttribute('aria-hidden', 'true');
    // Off-screen (bots skip display:none), via CSSOM so a strict CSP allows it.
    Object.assign(box.style, { position: 'absolute', left: '-10000px', top: '0', width: '1px', height: '1px', overflow: 'hidden' });
    input.type = 'text';
    input.name = '_gotcha';
    input.tabIndex = -1;
    input.autocomplete = 'off';
    input.setAttribute('aria-hidden', 'true');
    box.append(input);
    form.append(box);
  }

  // The providers' scripts, loaded once each, explicit render: forms added later get a widget too.
  const PROVIDERS = {
    turnstile: { src: 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit', api: 'turnstile' },
    hcaptcha: { src: 'https://js.hcaptcha.com/1/api.js?render=explicit', api: 'hcaptcha' },
    recaptcha: { src: 'https://www.google.com/recaptcha/api.js?render=explicit', api: 'grecaptcha' },
  };
  const loading = {};

  function providerApi(name, src) {
    const provider = PROVIDERS[name];
    if (!provider) return Promise.reject(new Error('unknown captcha ' + name));
    if (!loading[name]) {
      loading[name] = new Promise((resolve, reject) => {
        const tag = d.createElement('script');
        tag.src = data(script, 'captcha-script-' + name) || src || provider.src;
        tag.async = true;
        tag.onerror = reject;
        // reCAPTCHA defines grecaptcha.render only once ready; the others once loaded.
        tag.onload = () => {
          const ready = () => (w[provider.api] && w[provider.api].render ? resolve(w[provider.api]) : setTimeout(ready, 50));
          ready();
        };
        d.head.append(tag);
      });
    }
    return loading[name];
  }

  // The check goes just above the submit button: the site key from the ticket's answer, or
  // data-captcha="turnstile:SITEKEY" on the form.
  async function captcha(form, given) {
    const st = forms.get(form);
    const attr = data(form, 'captcha');
    const [name, ...key] = (attr || '').split(':');
    // data-captcha="recaptcha-v3:SITEKEY" for a score-based reCAPTCHA
    const chosen = attr ? { provider: name.replace('-v3', ''), siteKey: key.join(':'), score: name === 'recaptcha-v3' } : given;
    if (!chosen || st.widget) return;
    const box = d.createElement('div');
    box.className = 'formharbor-captcha';
    const button = [...form.elements].find((el) => el.type === 'submit');
    if (button) button.before(box);
    else form.append(box);
    st.widget = box;
    try {
      // reCAPTCHA v3 (a minScore): no box, a fresh token per send (they expire in 2 min).
      if (chosen.score) {
        const api = await providerApi(chosen.provider, PROVIDERS.recaptcha.src.replace('explicit', encodeURIComponent(chosen.siteKey)));
        st.token = () => new Promise((resolve) => api.ready(() => resolve(api.execute(chosen.siteKey, { action: 'submit' }))));
        return;
      }
      const api = await providerApi(chosen.provider);
      const id = api.render(box, { sitekey: chosen.siteKey });
      st.reset = () => {
        try {
          api.reset(id);
        } catch (e) {}
      };
    } catch (e) {}
  }

  function captchaError(form) {
    const st = forms.get(form);
    const note = d.createElement('span');
    note.id = 'formharbor-error-' + ++seq;
    note.className = 'formharbor-error';
    note.textContent = say(form, 'captcha');
    (st.widget || st.status).after(note);
    st.notes.push(note);
    show(form, 'invalid');
  }

  // The signed start time for the server's minimum fill time, sent back as _ticket.
  async function ticket(form) {
    try {
      const res = await fetch(endpoint(form) + '/ticket', { credentials: 'omit', cache: 'no-store' });
      const answer = await res.json();
      if (!res.ok) return;
      let field = form.querySelector('input[name="_ticket"]');
      if (!field) {
        field = d.createElement('input');
        field.type = 'hidden';
        field.name = '_ticket';
        form.append(field);
      }
      field.value = answer.ticket;
      await captcha(form, answer.captcha);
    } catch (e) {
      await captcha(form, null);
    }
  }

  function enhance(form) {
    if (forms.has(form) || !endpoint(form)) return;
    const status = form.querySelector('[data-formharbor-status]') || form.appendChild(d.createElement('div'));
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    status.classList.add('formharbor-status');
    forms.set(form, { status, off: [], notes: [], marked: new Map() });
    honeypot(form);
    ticket(form);
    for (const job of saved()) {
      if (job.x && job.u === endpoint(form)) {
        drop(job);
        refuse(form, job, job.x.s, job.x.a, null);
      }
    }
    form.addEventListener('submit', (event) => {
      // The page's own handler cancelled it.
      if (event.defaultPrevented) return;
      event.preventDefault();
      submit(form, event.submitter);
    });
  }

  const scan = (node) => (node.tagName === 'FORM' ? enhance(node) : node.querySelectorAll && node.querySelectorAll('form').forEach(enhance));

  // :where(): the site's CSS wins. Constructed: a strict CSP allows it (Safari<16.4: unstyled).
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(
      ':where(.formharbor-error){display:block;color:#b00020;font-size:.9em;margin-top:.2em}:where(.formharbor-status){margin-top:.8em}:where(form [aria-invalid=true]){border-color:#b00020;outline-color:#b00020}',
    );
    d.adoptedStyleSheets = [...d.adoptedStyleSheets, sheet];
  } catch (e) {}

  new MutationObserver((records) => records.forEach((r) => (r.type === 'attributes' ? scan(r.target) : r.addedNodes.forEach(scan)))).observe(d.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['action', 'data-formharbor'],
  });
  scan(d);
  w.addEventListener('online', () => flush(true));
  w.Formharbor = { enhance, flush: () => flush(true) };
  flush(true);
})();
