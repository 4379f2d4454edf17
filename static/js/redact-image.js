/*
 * Redacting an exhibit's image - progressive enhancement.
 *
 * Without JavaScript the advocate types the areas to black out in the text field,
 * one "x, y, width, height" a line, in the image's own pixels (the page states its
 * size). With JavaScript we additionally:
 *  - let them drag across the image (mouse, pen or finger) to mark an area, which is
 *    added to the same text field as a line: the form sent is the same;
 *  - draw every area of the field over the image, again whenever the field changes.
 * The image is scaled to fit the screen (a phone is ~375 px wide), so positions on
 * screen are converted to and from the image's pixels (data-width, data-height).
 *
 * ES5 only, loaded as an external file: the CSP forbids inline scripts and handlers
 * (styles set through the DOM, as here, are allowed).
 */
(function () {
  'use strict';

  var stage = document.getElementById('redact-stage');
  var image = document.getElementById('redact-image');
  var field = document.getElementById('rectangles');
  if (!stage || !image || !field || !window.addEventListener) {
    return;
  }
  var width = parseInt(stage.getAttribute('data-width'), 10);
  var height = parseInt(stage.getAttribute('data-height'), 10);
  if (!(width > 0 && height > 0)) {
    return;
  }
  var MIN_SCREEN_PX = 3; // a tap is not an area
  var start = null;
  var live = null;

  function clamp(value, low, high) {
    return Math.max(low, Math.min(high, value));
  }

  function asciiDigits(text) {
    // Persian (U+06F0...) and Arabic-Indic (U+0660...) digits, as the server accepts.
    return text.replace(/[\u06F0-\u06F9\u0660-\u0669]/g, function (digit) {
      var code = digit.charCodeAt(0);
      return String(code - (code >= 0x06F0 ? 0x06F0 : 0x0660));
    });
  }

  /* The areas typed so far, as [x, y, width, height]; lines that are not four
     whole numbers are skipped here (the server says what is wrong with them). */
  function typed() {
    var areas = [];
    var lines = asciiDigits(field.value).split(/\r?\n/);
    for (var i = 0; i < lines.length; i += 1) {
      var parts = lines[i].split(/[\s,;\u060C]+/).filter(function (part) { return part !== ''; });
      if (parts.length === 4 && parts.every(function (part) { return /^\d+$/.test(part); })) {
        areas.push(parts.map(function (part) { return parseInt(part, 10); }));
      }
    }
    return areas;
  }

  /* Image pixels under a pointer event, inside the image. */
  function pixelAt(event) {
    var box = image.getBoundingClientRect();
    return {
      x: clamp(Math.round((event.clientX - box.left) * width / box.width), 0, width),
      y: clamp(Math.round((event.clientY - box.top) * height / box.height), 0, height)
    };
  }

  function place(box, area) {
    var sx = image.clientWidth / width;
    var sy = image.clientHeight / height;
    // The image is not mirrored in right-to-left pages: physical left/top are right.
    box.style.left = (image.offsetLeft + area[0] * sx) + 'px';
    box.style.top = (image.offsetTop + area[1] * sy) + 'px';
    box.style.width = Math.max(1, area[2] * sx) + 'px';
    box.style.height = Math.max(1, area[3] * sy) + 'px';
  }

  function newBox() {
    var box = document.createElement('div');
    box.className = 'redact-box';
    box.setAttribute('aria-hidden', 'true');
    stage.appendChild(box);
    return box;
  }

  function draw() {
    var old = stage.querySelectorAll('.redact-box');
    for (var i = 0; i < old.length; i += 1) {
      if (old[i] !== live) {
        stage.removeChild(old[i]);
      }
    }
    var areas = typed();
    for (var j = 0; j < areas.length; j += 1) {
      place(newBox(), areas[j]);
    }
  }

  function areaTo(event) {
    var end = pixelAt(event);
    return [Math.min(start.x, end.x), Math.min(start.y, end.y),
            Math.abs(end.x - start.x), Math.abs(end.y - start.y)];
  }

  function finish(event, keep) {
    if (!start) {
      return;
    }
    var area = areaTo(event);
    var big = area[2] * image.clientWidth / width >= MIN_SCREEN_PX &&
              area[3] * image.clientHeight / height >= MIN_SCREEN_PX;
    start = null;
    if (live) {
      stage.removeChild(live);
      live = null;
    }
    if (keep && big && area[2] >= 1 && area[3] >= 1) {
      var text = field.value.replace(/\s+$/, '');
      field.value = (text ? text + '\n' : '') + area.join(', ');
    }
    draw();
  }

  stage.addEventListener('pointerdown', function (event) {
    if (event.pointerType === 'mouse' && event.button !== 0) {
      return;
    }
    start = pixelAt(event);
    live = newBox();
    place(live, [start.x, start.y, 0, 0]);
    if (stage.setPointerCapture) {
      stage.setPointerCapture(event.pointerId);
    }
    event.preventDefault();
  });
  stage.addEventListener('pointermove', function (event) {
    if (start && live) {
      place(live, areaTo(event));
    }
  });
  stage.addEventListener('pointerup', function (event) { finish(event, true); });
  stage.addEventListener('pointercancel', function (event) { finish(event, false); });
  // Dragging the image itself (a browser default) would steal the gesture.
  image.addEventListener('dragstart', function (event) { event.preventDefault(); });
  field.addEventListener('input', draw);
  window.addEventListener('resize', draw);

  stage.className += ' redact-stage--drawing';
  var hint = document.getElementById('redact-js-hint');
  if (hint) {
    hint.hidden = false;
  }
  if (image.complete) {
    draw();
  } else {
    image.addEventListener('load', draw);
  }
}());
