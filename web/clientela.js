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
 * the consent ledger), data-clientela-success / data-clientela-error (the messages shown).
 * Each form gets a hidden honeypot field `website`: people never see it, naive bots fill it in, and a
 * filled-in form is dropped here without being sent.
 * The page is told the outcome with a `clientela:sent` or `clientela:failed` event on the form.
 * A newsletter sign-up (or a ticked consent box) is confirmed by the person: clientela mails them a link
 * itself, so the form then says to check the inbox and carries `data-clientela-state="check-inbox"`.
 * The answer to a publishable key is always `{ accepted: true }`: it says nothing about who is a customer.
 */
(function (global) {
  'use strict';

  var HONEYPOT = 'website';
  var settings = null;

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

  function addHoneypot(form) {
    if (form.elements.namedItem(HONEYPOT)) return;
    var box = document.createElement('div');
    box.setAttribute('aria-hidden', 'true');
    box.style.cssText = 'position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden';
    var input = document.createElement('input');
    input.type = 'text';
    input.name = HONEYPOT;
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

  /** The event for a form, or a message saying what is missing. */
  function eventOf(form) {
    var kind = form.getAttribute('data-clientela');
    var customer = {};
    ['email', 'phone', 'firstName', 'lastName'].forEach(function (name) {
      var v = value(form, name);
      if (v) customer[name] = v;
    });
    var lang = document.documentElement.lang;
    if (lang) customer.language = lang;
    if (!customer.email && !customer.phone) return { error: 'Please enter your email or phone number.' };
    var wording = form.getAttribute('data-clientela-wording') || undefined;
    var ev = { eventId: randomId(), occurredAt: new Date().toISOString(), customer: customer };
    if (kind === 'newsletter') {
      if (!customer.email) return { error: 'Please enter your email.' };
      ev.type = 'newsletter.subscribed';
      ev.data = wording ? { wording: wording } : {};
    } else if (kind === 'contact') {
      var message = value(form, 'message');
      if (!message) return { error: 'Please write a message.' };
      ev.type = 'contact_form.submitted';
      ev.data = { message: message };
      if (form.id) ev.data.formId = form.id;
      // Consent only when the person ticked the box; never inferred.
      if (checked(form, 'consent')) ev.consent = wording ? { newsletter: 'granted', wording: wording } : { newsletter: 'granted' };
    } else {
      return { error: 'Unknown form kind: ' + kind };
    }
    return { event: ev };
  }

  function send(ev) {
    if (!settings) return Promise.reject(new Error('Clientela.init({ endpoint, key }) was not called'));
    return fetch(settings.endpoint + '/v1/events?key=' + encodeURIComponent(settings.key), {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ev),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) {
          var err = new Error(body.detail || 'The form could not be sent (' + res.status + ').');
          err.status = res.status;
          err.body = body;
          throw err;
        }
        return body;
      });
    });
  }

  function onSubmit(e) {
    var form = e.currentTarget;
    e.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    var newsletter = form.getAttribute('data-clientela') === 'newsletter';
    var asksConsent = newsletter || !!(form.elements.consent && form.elements.consent.checked);
    var success =
      form.getAttribute('data-clientela-success') ||
      (newsletter
        ? 'Almost done: check your inbox and open the link we sent you to confirm your subscription.'
        : asksConsent
          ? 'Thank you! We received your message. To get the newsletter, check your inbox and confirm your subscription.'
          : 'Thank you! We received your message.');
    if (value(form, HONEYPOT)) {
      // A bot: look successful, send nothing.
      show(form, true, success);
      return;
    }
    var built = eventOf(form);
    if (built.error) {
      show(form, false, built.error);
      return;
    }
    form.setAttribute('aria-busy', 'true');
    send(built.event)
      .then(function (answer) {
        show(form, true, success);
        if (asksConsent) form.setAttribute('data-clientela-state', 'check-inbox');
        else form.removeAttribute('data-clientela-state');
        form.reset();
        form.dispatchEvent(new CustomEvent('clientela:sent', { detail: answer }));
      })
      .catch(function (err) {
        show(form, false, form.getAttribute('data-clientela-error') || err.message || 'The form could not be sent; please try again.');
        form.dispatchEvent(new CustomEvent('clientela:failed', { detail: { status: err.status, problem: err.body } }));
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

  function init(opts) {
    if (!opts || !opts.endpoint || !opts.key) throw new Error('Clientela.init needs { endpoint, key }');
    if (String(opts.key).indexOf('pk_') !== 0) throw new Error('Clientela: use a publishable key (pk_...) in a web page, never a secret key');
    settings = { endpoint: String(opts.endpoint).replace(/\/+$/, ''), key: String(opts.key) };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { attach(); });
    else attach();
  }

  global.Clientela = { init: init, attach: attach, send: send };
})(window);
