/**
 * The dashboard's only script, served at /ui/app.js. Pages read fully without it; with it, the
 * part of a page marked `data-live` is fetched again when the server says (over server-sent
 * events) that what it shows changed, and a running deployment's log streams in as it is written.
 */
export const CLIENT_SCRIPT = `'use strict';
(function () {
  var live = document.querySelector('[data-live]');
  if (live && 'EventSource' in window) {
    var wanted = (live.getAttribute('data-live') || '').split(' ');
    var busy = false, again = false;
    var refresh = function () {
      if (busy) { again = true; return; }
      busy = true;
      fetch(location.href, { credentials: 'same-origin' }).then(function (answer) {
        return answer.ok ? answer.text() : null;
      }).then(function (text) {
        if (text === null) return;
        var next = new DOMParser().parseFromString(text, 'text/html').querySelector('[data-live]');
        // The parsed element itself goes in (adopted, not parsed a second time from its HTML).
        if (next) { live.replaceWith(document.adoptNode(next)); live = next; document.dispatchEvent(new CustomEvent('slipway:updated')); }
      }).catch(function () {}).then(function () {
        busy = false;
        if (again) { again = false; setTimeout(refresh, 1000); }
      });
    };
    var events = new EventSource('/ui/events');
    events.addEventListener('change', function (event) {
      var topics = JSON.parse(event.data).topics;
      if (topics.some(function (topic) { return wanted.indexOf(topic) >= 0; })) refresh();
    });
  }
  var log = document.querySelector('pre[data-follow]');
  if (log && window.TextDecoder && window.ReadableStream) {
    fetch(log.getAttribute('data-follow'), { credentials: 'same-origin' }).then(function (answer) {
      if (!answer.ok || !answer.body) return;
      var reader = answer.body.getReader(), decoder = new TextDecoder(), first = true;
      var pump = function () {
        return reader.read().then(function (part) {
          if (part.done) { log.removeAttribute('aria-busy'); return; }
          if (first) { log.textContent = ''; first = false; }
          var end = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
          log.textContent += decoder.decode(part.value, { stream: true });
          if (end) log.scrollTop = log.scrollHeight;
          return pump();
        });
      };
      log.setAttribute('aria-busy', 'true');
      return pump();
    }).catch(function () {});
  }
})();
`;
