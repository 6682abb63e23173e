/* global window, document, fetch, CustomEvent */
/*!
 * clientela.js: sends a website's contact form and newsletter box to clientela. No framework, no build.
 *
 *   <script src="clientela.js"></script>
 *   <script>Clientela.init({ endpoint: 'https://api.example.com', key: 'pk_...' });</script>
 *   <form data-clientela="contact">    email, phone, firstName, lastName, message, consent (checkbox)
 *   <form data-clientela="newsletter"> email, firstName, lastName
 *
 * Only a publishable key (pk_...) belongs in a web page; the page's origin must be in the tenant's
 * allowedOrigins (PATCH /v1/settings). The key goes in the URL (?key=) so that the browser's CORS
 * preflight, which carries no headers of ours, names the tenant too.
 * Optional attributes on the form: data-clientela-wording (the consent text shown to the person, kept in
 * the consent ledger), data-clientela-success / data-clientela-error (the messages shown; the error one
 * replaces the failure of the send, not the naming of a field to correct).
 * The script speaks the page's language (`<html lang>`, or the form's nearest `lang`): Italian or English.
 * Each form gets its own hidden honeypot field `clientela-website-confirm` (a name no site uses, so a real
 * `website` field of the form is sent as usual): people never see it, naive bots fill it in, and a
 * filled-in form is dropped here without being sent.
 * One submission keeps one eventId until it succeeds or the form's content changes: pressing the button
 * again after a lost answer is a replay, which clientela records once.
 * The page is told the outcome with a `clientela:sent` or `clientela:failed` event on the form.
 * A newsletter sign-up (or a ticked consent box) is confirmed by the person: clientela mails them a link
 * itself (at most one every 24 hours), so the form then says to check the inbox and carries
 * `data-clientela-state="check-inbox"`. A ticked consent box needs an email to mail: without one the form
 * asks for it (or to untick the box) and sends nothing.
 * A request the browser could not send or read (origin not allowed, wrong key, wrong endpoint, network) is
 * shown to the visitor as a plain failure, and the developer gets a checklist in the console.
 * The answer to a publishable key is always `{ accepted: true }`: it says nothing about who is a customer.
 */
(function (global) {
  'use strict';

  /** A name no real form uses: a site's own `website` field must never be taken for the honeypot. */
  var HONEYPOT = 'clientela-website-confirm';
  var settings = null;

  var TEXTS = {
    en: {
      sent: 'Thank you! We received your message.',
      sentConsent:
        'Thank you! We received your message. To get the newsletter, check your inbox and open the link we sent you to confirm your subscription (we send at most one every 24 hours: if none arrives, sign up again later).',
      subscribed:
        'Almost done: check your inbox and open the link we sent you to confirm your subscription (we send at most one every 24 hours: if none arrives, sign up again later).',
      needContact: 'Please enter your email or phone number.',
      needEmail: 'Please enter your email.',
      needMessage: 'Please write a message.',
      consentNeedsEmail: 'To get the newsletter we need your email: please enter it, or untick the newsletter box.',
      invalid: 'Please check this field: {field}.',
      invalidForm: 'Please check the form and try again.',
      tooMany: 'Too many messages right now: please try again in {wait}.',
      seconds: '{n} seconds',
      minutes: '{n} minutes',
      failed: 'The form could not be sent; please try again.',
      fields: { email: 'email', phone: 'phone number', firstName: 'first name', lastName: 'last name', message: 'message', language: 'language' },
    },
    it: {
      sent: 'Grazie! Abbiamo ricevuto il tuo messaggio.',
      sentConsent:
        "Grazie! Abbiamo ricevuto il tuo messaggio. Per ricevere la newsletter controlla la posta e apri il link che ti abbiamo inviato per confermare l'iscrizione (ne inviamo al massimo uno ogni 24 ore: se non arriva, iscriviti di nuovo più tardi).",
      subscribed:
        "Quasi fatto: controlla la posta e apri il link che ti abbiamo inviato per confermare l'iscrizione (ne inviamo al massimo uno ogni 24 ore: se non arriva, iscriviti di nuovo più tardi).",
      needContact: 'Inserisci la tua email o il tuo numero di telefono.',
      needEmail: 'Inserisci la tua email.',
      needMessage: 'Scrivi un messaggio.',
      consentNeedsEmail: 'Per ricevere la newsletter ci serve la tua email: inseriscila, oppure togli la spunta alla newsletter.',
      invalid: 'Controlla questo campo: {field}.',
      invalidForm: 'Controlla il modulo e riprova.',
      tooMany: 'Troppi messaggi in questo momento: riprova tra {wait}.',
      seconds: '{n} secondi',
      minutes: '{n} minuti',
      failed: 'Non è stato possibile inviare il modulo; riprova.',
      fields: { email: 'email', phone: 'numero di telefono', firstName: 'nome', lastName: 'cognome', message: 'messaggio', language: 'lingua' },
    },
  };

  /** The texts of the form's language: its nearest `lang` (the page's `<html lang>`), Italian or English. */
  function textsOf(form) {
    var holder = form && form.closest ? form.closest('[lang]') : null;
    var lang = ((holder && holder.getAttribute('lang')) || document.documentElement.lang || '').toLowerCase().split(/[-_]/)[0];
    return TEXTS[lang] || TEXTS.en;
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function randomId() {
    var c = global.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    // randomUUID exists only in secure contexts (https, localhost); getRandomValues everywhere.
    var b = c.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function value(form, name) {
    var el = form.elements.namedItem(name);
    if (!el || typeof el.value !== 'string') return '';
    return el.value.trim();
  }

  function checked(form, name) {
    var el = form.elements.namedItem(name);
    return !!(el && el.checked);
  }

  /** The form's own honeypot: the element this script added, never a field of the site. */
  function honeypotOf(form) {
    return form.querySelector('input[data-clientela-honeypot]');
  }

  function addHoneypot(form) {
    if (honeypotOf(form)) return;
    var box = document.createElement('div');
    box.setAttribute('aria-hidden', 'true');
    box.style.cssText = 'position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden';
    var input = document.createElement('input');
    input.type = 'text';
    input.name = HONEYPOT;
    input.setAttribute('data-clientela-honeypot', '');
    input.tabIndex = -1;
    input.autocomplete = 'off';
    var label = document.createElement('label');
    label.textContent = 'Website';
    label.appendChild(input);
    box.appendChild(label);
    form.appendChild(box);
  }

  function show(form, ok, text) {
    var el = form.querySelector('[data-clientela-message]');
    if (!el) {
      el = document.createElement('p');
      el.setAttribute('data-clientela-message', '');
      el.setAttribute('role', 'status');
      form.appendChild(el);
    }
    el.className = ok ? 'clientela-success' : 'clientela-error';
    el.textContent = text;
  }

  /** The event for a form, or a message saying what is missing (and the field to correct). */
  function eventOf(form) {
    var t = textsOf(form);
    var kind = form.getAttribute('data-clientela');
    var customer = {};
    ['email', 'phone', 'firstName', 'lastName'].forEach(function (name) {
      var v = value(form, name);
      if (v) customer[name] = v;
    });
    var lang = document.documentElement.lang;
    if (lang) customer.language = lang;
    var wording = form.getAttribute('data-clientela-wording') || undefined;
    var ev = { type: '', occurredAt: '', customer: customer };
    if (kind === 'newsletter') {
      if (!customer.email) return { error: t.needEmail, field: 'email' };
      ev.type = 'newsletter.subscribed';
      ev.data = wording ? { wording: wording } : {};
    } else if (kind === 'contact') {
      if (!customer.email && !customer.phone) return { error: t.needContact, field: 'email' };
      var message = value(form, 'message');
      if (!message) return { error: t.needMessage, field: 'message' };
      ev.type = 'contact_form.submitted';
      ev.data = { message: message };
      if (form.id) ev.data.formId = form.id;
      // Consent only when the person ticked the box; never inferred. It is confirmed from a mail, so it
      // needs an email: a phone alone would be a promise nobody keeps.
      if (checked(form, 'consent')) {
        if (!customer.email) return { error: t.consentNeedsEmail, field: 'email' };
        ev.consent = wording ? { newsletter: 'granted', wording: wording } : { newsletter: 'granted' };
      }
    } else {
      return { error: 'Unknown form kind: ' + kind };
    }
    // One submission, one eventId: the same content sent again (a retry after a lost answer) keeps the id
    // and date of the first try, so clientela records it once. A change of content is a new submission.
    var content = JSON.stringify(ev);
    var pending = form.__clientelaPending;
    if (!pending || pending.content !== content) pending = form.__clientelaPending = { content: content, eventId: randomId(), occurredAt: new Date().toISOString() };
    ev.eventId = pending.eventId;
    ev.occurredAt = pending.occurredAt;
    return { event: ev };
  }

  function keyHint(key) {
    return key.length > 10 ? key.slice(0, 10) + '…' : key;
  }

  /** For the developer: what to check when the browser got no answer it may read. Never shown to visitors. */
  function warnUnreadable(url) {
    if (!global.console || !global.console.warn) return;
    var endpoint = settings ? settings.endpoint : '(Clientela.init was not called)';
    global.console.warn(
      'clientela.js: ' + url.replace(/key=[^&]*/, 'key=' + (settings ? keyHint(settings.key) : '')) + ' got no answer this page may read. Check:\n' +
        '1. this page\'s origin, ' + global.location.origin + ', is in the tenant\'s allowedOrigins (PATCH /v1/settings); a file:// page (origin "null") never is;\n' +
        '2. the key (' + (settings ? keyHint(settings.key) : '?') + ') is a valid, not revoked publishable key of that tenant (pk_...);\n' +
        '3. the endpoint, ' + endpoint + ', is the API\'s base URL without /v1, and reachable (https on an https page);\n' +
        '4. the Network tab: the refused OPTIONS /v1/events answer says why in its body.',
    );
  }

  function send(ev) {
    if (!settings) return Promise.reject(new Error('Clientela.init({ endpoint, key }) was not called'));
    var url = settings.endpoint + '/v1/events?key=' + encodeURIComponent(settings.key);
    return fetch(url, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ev),
    }).then(
      function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (!res.ok) {
            var err = new Error(body.detail || 'The form could not be sent (' + res.status + ').');
            err.status = res.status;
            err.body = body;
            var retryAfter = Number(res.headers.get('retry-after'));
            if (retryAfter > 0) err.retryAfter = retryAfter;
            throw err;
          }
          return body;
        });
      },
      function (cause) {
        // fetch's own TypeError ("Failed to fetch", "Load failed", ...): CORS refused or no network.
        warnUnreadable(url);
        var err = new Error('clientela.js: no answer from ' + settings.endpoint + ' (see the checklist above)');
        err.network = true;
        err.cause = cause;
        throw err;
      },
    );
  }

  function waitText(t, seconds) {
    return seconds <= 90 ? fill(t.seconds, { n: Math.ceil(seconds) }) : fill(t.minutes, { n: Math.ceil(seconds / 60) });
  }

  /** The visitor's words for a failed send: the field to correct, the wait, or a plain failure. */
  function failureText(form, err) {
    var t = textsOf(form);
    if (err.status === 400) {
      var errors = (err.body && err.body.errors) || [];
      for (var i = 0; i < errors.length; i++) {
        var name = String(errors[i].path || '').replace(/^(customer|data)\./, '');
        if (t.fields[name]) {
          markInvalid(form, name);
          return fill(t.invalid, { field: t.fields[name] });
        }
      }
      return t.invalidForm;
    }
    var custom = form.getAttribute('data-clientela-error');
    if (custom) return custom;
    if (err.status === 429 && err.retryAfter) return fill(t.tooMany, { wait: waitText(t, err.retryAfter) });
    return t.failed;
  }

  function markInvalid(form, name) {
    var el = form.elements.namedItem(name);
    if (el && el.setAttribute) {
      el.setAttribute('aria-invalid', 'true');
      if (typeof el.focus === 'function') el.focus();
    }
  }

  function onSubmit(e) {
    var form = e.currentTarget;
    e.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    var t = textsOf(form);
    var newsletter = form.getAttribute('data-clientela') === 'newsletter';
    var asksConsent = newsletter || checked(form, 'consent');
    var success = form.getAttribute('data-clientela-success') || (newsletter ? t.subscribed : asksConsent ? t.sentConsent : t.sent);
    var trap = honeypotOf(form);
    if (trap && trap.value) {
      // A bot: look successful, send nothing.
      show(form, true, success);
      return;
    }
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid="true"]'), function (el) { el.removeAttribute('aria-invalid'); });
    var built = eventOf(form);
    if (built.error) {
      if (built.field) markInvalid(form, built.field);
      show(form, false, built.error);
      return;
    }
    form.setAttribute('aria-busy', 'true');
    send(built.event)
      .then(function (answer) {
        form.__clientelaPending = null;
        show(form, true, success);
        if (asksConsent) form.setAttribute('data-clientela-state', 'check-inbox');
        else form.removeAttribute('data-clientela-state');
        form.reset();
        form.dispatchEvent(new CustomEvent('clientela:sent', { detail: answer }));
      })
      .catch(function (err) {
        if (!err.network && err.body && err.body.detail && global.console && global.console.warn) global.console.warn('clientela.js: ' + err.status + ' ' + err.body.detail);
        show(form, false, failureText(form, err));
        form.dispatchEvent(
          new CustomEvent('clientela:failed', { detail: { status: err.status, problem: err.body, network: !!err.network, retryAfter: err.retryAfter } }),
        );
      })
      .then(function () {
        form.removeAttribute('aria-busy');
      });
  }

  function attach(root) {
    var forms = (root || document).querySelectorAll('form[data-clientela]');
    Array.prototype.forEach.call(forms, function (form) {
      if (form.__clientela) return;
      form.__clientela = true;
      addHoneypot(form);
      form.addEventListener('submit', onSubmit);
    });
  }

  /** Setup mistakes the browser would only report as a bare network error later. */
  function warnSetup(endpoint) {
    if (!global.console || !global.console.warn) return;
    if (/\/v1$/.test(endpoint)) global.console.warn('clientela.js: endpoint ' + endpoint + ' ends in /v1: give the API\'s base URL, without /v1 (the script adds /v1/events)');
    if (global.location.protocol === 'https:' && /^http:/i.test(endpoint)) global.console.warn('clientela.js: endpoint ' + endpoint + ' is http on an https page: the browser will block it; use https');
    if (global.location.origin === 'null') global.console.warn('clientela.js: this page has no origin (opened from a file?): serve it over http(s) from an origin in allowedOrigins');
  }

  function init(opts) {
    if (!opts || !opts.endpoint || !opts.key) throw new Error('Clientela.init needs { endpoint, key }');
    if (String(opts.key).indexOf('pk_') !== 0) throw new Error('Clientela: use a publishable key (pk_...) in a web page, never a secret key');
    settings = { endpoint: String(opts.endpoint).replace(/\/+$/, ''), key: String(opts.key) };
    warnSetup(settings.endpoint);
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { attach(); });
    else attach();
  }

  global.Clientela = { init: init, attach: attach, send: send };
})(window);
