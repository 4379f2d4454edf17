/*
 * Draft autosave - progressive enhancement (decision 0020).
 *
 * A draft report (form[data-autosave-seconds], templates/reports/edit.html)
 * saves itself every few seconds when what is typed changed: the form is sent
 * with fetch as if "Save and come back later" (action=save) was pressed.
 * Without JavaScript that button does the same, and a form sent after the
 * session ended is kept and given back after signing in.
 *
 * If the session has ended, the server keeps what was sent and answers with
 * the sign-in page: we stop, and say so. ES5 only; external file (CSP).
 */
(function () {
  'use strict';

  if (!window.fetch || !window.FormData || !window.URLSearchParams || !document.querySelector) {
    return;
  }
  var form = document.querySelector('form[data-autosave-seconds]');
  if (!form) {
    return;
  }
  var everyMs = parseInt(form.getAttribute('data-autosave-seconds'), 10) * 1000;
  if (!(everyMs > 0)) {
    return;
  }
  var status = form.querySelector('.autosave-status');
  var sending = false;
  var stopped = false;

  function snapshot() {
    var params = new window.URLSearchParams();
    var data = new window.FormData(form);
    data.forEach(function (value, name) {
      if (name !== 'csrf_token' && typeof value === 'string') {
        params.append(name, value);
      }
    });
    return params.toString();
  }

  var saved = snapshot();

  function say(attribute) {
    if (status) {
      status.textContent = status.getAttribute(attribute);
    }
  }

  function save() {
    var now = snapshot();
    if (stopped || sending || now === saved) {
      return;
    }
    var body = new window.URLSearchParams();
    new window.FormData(form).forEach(function (value, name) {
      if (typeof value === 'string') {
        body.append(name, value);
      }
    });
    body.set('action', 'save');
    sending = true;
    window.fetch(form.getAttribute('action') || window.location.pathname, {
      method: 'POST', body: body, credentials: 'same-origin', cache: 'no-store'
    }).then(function (response) {
      sending = false;
      if (response.url && response.url.indexOf('/login') !== -1) {
        stopped = true;  // the session had ended: what was sent is kept for after sign-in
        say('data-signed-out-text');
        return;
      }
      if (response.ok && response.redirected) {  // saved: sent on to the form again
        saved = now;
        say('data-saved-text');
        try {
          document.dispatchEvent(new window.CustomEvent('portal:activity'));
        } catch (e) { /* old browsers: the warning keeps its own count */ }
      }
    }, function () {
      sending = false;  // offline: try again at the next tick
    });
  }

  window.setInterval(save, everyMs);
}());
