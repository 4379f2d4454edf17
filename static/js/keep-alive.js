/*
 * "Keep me signed in" - progressive enhancement (decision 0020).
 *
 * The server ends a session after a while without requests (the idle limit).
 * Without JavaScript nothing is lost: a form sent after the limit is kept and
 * given back after signing in again. With JavaScript we also warn shortly
 * before the limit (div#idle-warning, rendered hidden by templates/base.html
 * with the limit and the warning time in data attributes), and its button
 * sends its form with fetch to /session/keep-alive: reaching that address
 * signed in renews the session. Any other request of this page (an autosave,
 * static/js/autosave.js, fires "portal:activity") renews it too, so the
 * count starts again then.
 *
 * ES5 only; loaded as an external file (the CSP forbids inline script).
 */
(function () {
  'use strict';

  var box = document.getElementById ? document.getElementById('idle-warning') : null;
  if (!box || !window.setTimeout) {
    return;
  }
  var idleMs = parseInt(box.getAttribute('data-idle-seconds'), 10) * 1000;
  var warnMs = parseInt(box.getAttribute('data-warn-seconds'), 10) * 1000;
  if (!(idleMs > 0)) {
    return;
  }
  // Warn at most halfway through a short limit, so there is time to answer.
  var warnAfterMs = Math.max(idleMs - warnMs, idleMs / 2);
  var soon = box.querySelector('.idle-warning__soon');
  var ended = box.querySelector('.idle-warning__ended');
  var form = box.querySelector('form');
  var warnTimer = null;
  var endTimer = null;

  function show(isEnded) {
    soon.hidden = isEnded;
    ended.hidden = !isEnded;
    form.hidden = isEnded;
    box.hidden = false;
  }

  function restart() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = window.setTimeout(function () {
      show(false);
      var button = form.querySelector('button');
      if (button && button.focus) {
        button.focus();
      }
    }, warnAfterMs);
    endTimer = window.setTimeout(function () { show(true); }, idleMs);
  }

  function renew(event) {
    if (!window.fetch || !window.FormData) {
      return;  // the form is sent as it is: the answer (204) leaves this page in place
    }
    if (event.preventDefault) {
      event.preventDefault();
    }
    window.fetch(form.action, {
      method: 'POST', body: new window.FormData(form), credentials: 'same-origin',
      redirect: 'manual', cache: 'no-store'
    }).then(function (response) {
      if (response.status === 204) {
        restart();
      } else {
        show(true);  // the session had already ended
      }
    }, function () { /* offline: leave the warning up, the person can try again */ });
  }

  form.addEventListener('submit', renew, false);
  document.addEventListener('portal:activity', restart, false);
  restart();
}());
