/*
 * Evidence uploads with progress that resume - progressive enhancement (decision 0025).
 *
 * The upload form (form[data-resumable-url], templates/evidence/upload.html) sends
 * each chosen file with the tus 1.0 protocol instead of one multipart POST: the
 * server creates an upload (POST), takes the file in 8 MiB pieces (PATCH with
 * Upload-Offset), and says how much it kept (HEAD). A dropped connection is retried
 * from what the server kept, with waits growing to 30 seconds; after several failures
 * the person is told, and pressing "Upload" again goes on from where it stopped.
 * When every file is in, the receipt of all of them opens, as after the plain form.
 *
 * Without JavaScript (or an old browser) the plain form is sent as before. Our own
 * small client: no third-party code. Nothing is stored in the browser (no file names
 * in localStorage on a phone that may be seized). ES5 only; external file (CSP).
 */
(function () {
  'use strict';

  var form = document.querySelector && document.querySelector('form[data-resumable-url]');
  if (!form || !window.XMLHttpRequest || !window.Blob || !window.Blob.prototype.slice ||
      !window.btoa || !('upload' in new window.XMLHttpRequest())) {
    return;
  }
  var CHUNK = 8 * 1024 * 1024;
  var MAX_FAILURES = 8;
  var input = form.querySelector('input[type=file]');
  var progress = form.querySelector('progress');
  var status = form.querySelector('.upload-status');
  var button = form.querySelector('button[type=submit]');
  var endpoint = form.getAttribute('data-resumable-url');
  var receiptUrl = form.getAttribute('data-receipt-url');
  var lang = document.documentElement.getAttribute('lang') || 'en';
  var states = [];  // per chosen file: {url, offset, item}
  var busy = false;

  function text(name) {
    return form.getAttribute('data-text-' + name) || '';
  }

  function say(message) {
    status.textContent = message;
  }

  function percent(ratio) {
    try {
      return new Intl.NumberFormat(lang, {style: 'percent'}).format(ratio);
    } catch (ignore) {
      return Math.floor(ratio * 100) + '%';
    }
  }

  function field(name) {
    var element = form.elements[name];
    return element && element.value ? element.value : '';
  }

  function base64(value) {
    return window.btoa(unescape(encodeURIComponent(value)));
  }

  function metadata(file) {
    var pairs = {filename: file.name, filetype: file.type || '', kind: field('kind'),
                 description: field('description'), obtained_how: field('obtained_how'),
                 prior_chain: field('prior_chain')};
    var out = [];
    for (var key in pairs) {
      if (Object.prototype.hasOwnProperty.call(pairs, key)) {
        out.push(key + ' ' + base64(pairs[key]));
      }
    }
    return out.join(',');
  }

  function request(method, url, headers, body, onProgress, done) {
    var xhr = new window.XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader('Tus-Resumable', '1.0.0');
    xhr.setRequestHeader('X-CSRFToken', field('csrf_token'));
    for (var name in headers) {
      if (Object.prototype.hasOwnProperty.call(headers, name)) {
        xhr.setRequestHeader(name, headers[name]);
      }
    }
    if (onProgress) {
      xhr.upload.onprogress = function (event) { onProgress(event.loaded); };
    }
    xhr.onload = function () { done(xhr.status, xhr); };
    xhr.onerror = xhr.ontimeout = xhr.onabort = function () { done(0, xhr); };
    xhr.send(body);
  }

  function totals() {
    var files = input.files, sent = 0, size = 0;
    for (var i = 0; i < files.length; i += 1) {
      size += files[i].size;
      sent += states[i] ? states[i].offset : 0;
    }
    return {sent: sent, size: size || 1};
  }

  function show(extra) {
    var t = totals();
    var ratio = Math.min(1, (t.sent + extra) / t.size);
    progress.value = ratio;
    progress.textContent = percent(ratio);
    return ratio;
  }

  function sendFile(index, failures, finished) {
    var file = input.files[index];
    var state = states[index] || (states[index] = {url: null, offset: 0, item: null});
    if (state.item) {
      finished(true);
      return;
    }
    say(text('sending').replace('{name}', file.name));

    function retry() {
      if (failures + 1 >= MAX_FAILURES) {
        say(text('stopped'));
        finished(false);
        return;
      }
      say(text('lost'));
      window.setTimeout(function () {
        request('HEAD', state.url, {}, null, null, function (code, xhr) {
          if (code === 200) {
            state.offset = parseInt(xhr.getResponseHeader('Upload-Offset'), 10) || 0;
          }
          sendFile(index, failures + 1, finished);
        });
      }, Math.min(30000, 1000 * Math.pow(2, failures)));
    }

    if (!state.url) {
      request('POST', endpoint, {'Upload-Length': String(file.size),
                                 'Upload-Metadata': metadata(file)}, null, null,
        function (code, xhr) {
          if (code === 201) {
            state.url = xhr.getResponseHeader('Location');
            sendFile(index, failures, finished);
          } else if (code === 0) {
            retry();
          } else {  // refused (too large, empty, signed out): the server says why
            say(code === 413 || code === 400 ? xhr.responseText : text('stopped'));
            finished(false);
          }
        });
      return;
    }
    var end = Math.min(file.size, state.offset + CHUNK);
    request('PATCH', state.url, {'Upload-Offset': String(state.offset),
                                 'Content-Type': 'application/offset+octet-stream'},
      file.slice(state.offset, end), show, function (code, xhr) {
        if (code === 204) {
          state.offset = parseInt(xhr.getResponseHeader('Upload-Offset'), 10);
          var receipt = xhr.getResponseHeader('Portal-Receipt');
          var match = receipt && /items=(\d+)/.exec(receipt);
          if (match) {
            state.item = match[1];
          }
          say(text('sent').replace('{percent}', percent(show(0))));
          sendFile(index, 0, finished);
        } else if (code === 0 || code === 409 || code >= 500) {
          retry();
        } else {  // gone or refused: start this file afresh next time
          states[index] = null;
          say(text('stopped'));
          finished(false);
        }
      });
  }

  function sendAll(index) {
    if (index >= input.files.length) {
      var items = [];
      for (var i = 0; i < states.length; i += 1) {
        items.push(states[i].item);
      }
      say(text('done'));
      window.location.assign(receiptUrl + '?items=' + items.join(','));
      return;
    }
    sendFile(index, 0, function (ok) {
      if (ok) {
        sendAll(index + 1);
      } else {
        busy = false;
        button.disabled = false;
      }
    });
  }

  input.addEventListener('change', function () { states = []; });
  form.addEventListener('submit', function (event) {
    if (!input.files || !input.files.length) {
      return;  // the server says "Choose at least one file", as without JavaScript
    }
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    button.disabled = true;
    progress.hidden = false;
    show(0);
    sendAll(0);
  });
}());
