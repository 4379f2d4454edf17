/*
 * Quick exit - progressive enhancement.
 *
 * Without JavaScript, a.quick-exit is an ordinary link to a neutral site and
 * still works. With JavaScript we additionally:
 *  - hide the page immediately, so nothing stays on screen while the neutral
 *    site loads;
 *  - use location.replace() so this portal page is replaced in the session
 *    history and the Back button does not bring it back;
 *  - let Escape pressed three times within 2 seconds trigger the same exit,
 *    for people who cannot reach the mouse or screen quickly.
 *
 * ES5 only (no arrow functions, no let/const) so it runs in old browsers.
 * Loaded as an external file: the CSP forbids inline scripts and handlers.
 */
(function () {
  'use strict';

  var ESC_PRESSES = 3;
  var ESC_WINDOW_MS = 2000;
  var escTimes = [];

  function exitTo(url) {
    // Hide first: even if navigation is slow, the content disappears now.
    try {
      if (document.body) {
        document.body.hidden = true;
      }
    } catch (e) { /* ignore: hiding is best effort */ }
    // replace() instead of assign(): removes this page from history.
    window.location.replace(url);
  }

  function firstExitLink() {
    if (document.querySelector) {
      return document.querySelector('a.quick-exit');
    }
    return null;
  }

  // Walk up from the click target, since the click may land on a child
  // element (e.g. a <span>) inside the link. Closest() is not in old browsers.
  function findExitLink(node) {
    while (node && node !== document) {
      if (node.nodeName && node.nodeName.toLowerCase() === 'a' &&
          (' ' + node.className + ' ').indexOf(' quick-exit ') !== -1) {
        return node;
      }
      node = node.parentNode;
    }
    return null;
  }

  function onClick(event) {
    event = event || window.event;
    // Leave modified clicks alone (new tab etc. is the user's choice).
    if (event.button > 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = findExitLink(event.target || event.srcElement);
    if (!link || !link.href) {
      return;
    }
    if (event.preventDefault) {
      event.preventDefault();
    } else {
      event.returnValue = false;
    }
    exitTo(link.href);
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
      var link = firstExitLink();
      if (link && link.href) {
        exitTo(link.href);
      }
    }
  }

  // Delegated listeners on document: works wherever the link is placed and
  // whether this script runs before or after the body is parsed.
  if (document.addEventListener) {
    document.addEventListener('click', onClick, false);
    document.addEventListener('keydown', onKeyDown, false);
  } else if (document.attachEvent) {
    document.attachEvent('onclick', onClick);
    document.attachEvent('onkeydown', onKeyDown);
  }
}());
