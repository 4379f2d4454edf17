/*
 * Quick exit - progressive enhancement (decision 0017).
 *
 * Without JavaScript, form.quick-exit-form posts to /exit, which ends the
 * session on the server and answers with a redirect to a neutral site.
 * With JavaScript we additionally:
 *  - hide the page immediately, so nothing stays on screen while we leave;
 *  - send the same form in the background (fetch with keepalive, so it is
 *    delivered even if the page goes away), which ends the session;
 *  - then leave with location.replace() of /exit (which redirects to the
 *    neutral site), so this portal page is replaced in the session history
 *    and the Back button does not bring it back. If the background request
 *    has not answered within EXIT_WAIT_MS we leave anyway;
 *  - let Escape pressed three times within 2 seconds trigger the same exit,
 *    for people who cannot reach the mouse or screen quickly.
 *
 * ES5 syntax only (no arrow functions, no let/const) so it parses in old
 * browsers; where fetch is missing the form is simply submitted.
 * Loaded as an external file: the CSP forbids inline scripts and handlers.
 */
(function () {
  'use strict';

  var ESC_PRESSES = 3;
  var ESC_WINDOW_MS = 2000;
  var EXIT_WAIT_MS = 1500;
  var escTimes = [];
  var leaving = false;

  function hidePage() {
    // Hide first: even if the network is slow, the content disappears now.
    try {
      if (document.body) {
        document.body.hidden = true;
      }
    } catch (e) { /* ignore: hiding is best effort */ }
  }

  function exitWith(form) {
    if (leaving) {
      return;
    }
    leaving = true;
    hidePage();
    var target = form.action;
    var left = false;
    function leave() {
      if (!left) {
        left = true;
        // replace() instead of assign(): removes this page from history.
        window.location.replace(target);
      }
    }
    if (!window.fetch || !window.FormData) {
      form.submit();  // no history replacement, but the session still ends
      return;
    }
    window.setTimeout(leave, EXIT_WAIT_MS);
    try {
      window.fetch(target, {
        method: 'POST', body: new window.FormData(form), credentials: 'same-origin',
        keepalive: true, redirect: 'manual', cache: 'no-store'
      }).then(leave, leave);
    } catch (e) {
      leave();
    }
  }

  function exitForm() {
    if (document.querySelector) {
      return document.querySelector('form.quick-exit-form');
    }
    return null;
  }

  // Walk up from the click target, since the click may land on a child
  // element inside the button. Closest() is not in old browsers.
  function isExitControl(node) {
    while (node && node !== document) {
      if (node.className && typeof node.className === 'string' &&
          (' ' + node.className + ' ').indexOf(' quick-exit ') !== -1) {
        return true;
      }
      node = node.parentNode;
    }
    return false;
  }

  function stop(event) {
    if (event.preventDefault) {
      event.preventDefault();
    } else {
      event.returnValue = false;
    }
  }

  function onClick(event) {
    event = event || window.event;
    if (event.button > 0 || !isExitControl(event.target || event.srcElement)) {
      return;
    }
    var form = exitForm();
    if (form) {
      stop(event);
      exitWith(form);
    }
  }

  function onSubmit(event) {
    event = event || window.event;
    var form = event.target || event.srcElement;
    if (form && form === exitForm()) {
      stop(event);
      exitWith(form);
    }
  }

  function onKeyDown(event) {
    event = event || window.event;
    var key = event.key;
    var isEscape = key === 'Escape' || key === 'Esc' || event.keyCode === 27;
    if (!isEscape) {
      return;
    }
    var now = new Date().getTime();
    escTimes.push(now);
    // Keep only presses inside the time window.
    while (escTimes.length && now - escTimes[0] > ESC_WINDOW_MS) {
      escTimes.shift();
    }
    if (escTimes.length >= ESC_PRESSES) {
      escTimes = [];
      var form = exitForm();
      if (form) {
        exitWith(form);
      }
    }
  }

  // Delegated listeners on document: works wherever the control is placed and
  // whether this script runs before or after the body is parsed.
  if (document.addEventListener) {
    document.addEventListener('click', onClick, false);
    document.addEventListener('submit', onSubmit, false);
    document.addEventListener('keydown', onKeyDown, false);
  }
}());
