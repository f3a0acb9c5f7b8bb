// The device grant's page, polling without reloading itself. While a run
// waits for the user, its result card carries data-refresh: the seconds
// until the next poll is due. Then this script fetches the page again (its
// server sends the token request, as for a reload), and makes the page's
// changing parts, the result card and the hop list, the same as the new
// page's, touching only what changed (keep): the focus stays where it
// was, and the polite live region
// #poll-status says so when the result's heading changes. It stops once the
// new page asks for no more polls (approved, denied, expired, failed). The
// page leaves it out when the reader polls by hand; without scripting, the
// page reloads itself instead (its <noscript> meta refresh).
"use strict";
(function () {
  var parts = ["result", "hop-list"];
  var focusable = "a[href], button, input, select, textarea, summary, [tabindex]";

  // focusedPlace names the focused element, when it is in one of the
  // parts: by its id, or else by its rank among the links and buttons of
  // its hop (named by its heading, which holds its title and time) or of
  // its part. Null when the focus is elsewhere: replacing leaves it be.
  function focusedPlace() {
    var el = document.activeElement;
    var part = parts.find(function (id) { return document.getElementById(id).contains(el); });
    if (!part || el.id) {
      return part ? {element: el, part: part, id: el.id} : null;
    }
    var hop = el.closest("section.hop");
    var within = hop || document.getElementById(part);
    return {element: el, part: part, hop: hop && hop.querySelector("h3").textContent,
      rank: Array.prototype.indexOf.call(within.querySelectorAll(focusable), el)};
  }

  // find returns the element of the shown page at place, or null.
  function find(place) {
    if (place.id) {
      return document.getElementById(place.id);
    }
    var within = document.getElementById(place.part);
    if (place.hop) {
      within = Array.prototype.find.call(within.querySelectorAll("section.hop"), function (h) {
        return h.querySelector("h3").textContent === place.hop;
      });
    }
    return within ? within.querySelectorAll(focusable)[place.rank] || null : null;
  }

  // refocus puts the focus back at place, or, when the element is gone (the
  // link to poll by hand, once the run is over), on its part.
  function refocus(place) {
    var el = find(place) || document.getElementById(place.part);
    if (el.id === place.part) {
      el.tabIndex = -1;
    }
    el.focus({preventScroll: true});
  }

  // heading is the text of the result card's heading in doc (a document
  // or a fragment).
  function heading(doc) {
    var h = doc.querySelector("#result h2");
    return h ? h.textContent.trim() : "";
  }

  // keep makes shown, a part of the page, the same as next, its fresh
  // copy, touching only what changed: its attributes (the result card's
  // data-refresh), and the children whose HTML changed, gone or came. A
  // child that did not change stays where it is, untouched, so the focus
  // and a selection in it stay, and a screen reader hears nothing of it.
  // The children come in order (the hops by time), so an old child is kept
  // when it matches a fresh one still to be placed.
  function keep(shown, next) {
    Array.prototype.slice.call(shown.attributes).forEach(function (a) {
      if (!next.hasAttribute(a.name)) {
        shown.removeAttribute(a.name);
      }
    });
    Array.prototype.forEach.call(next.attributes, function (a) { shown.setAttribute(a.name, a.value); });
    var fresh = Array.prototype.slice.call(next.children), placed = 0;
    Array.prototype.slice.call(shown.children).forEach(function (old) {
      var same = fresh.findIndex(function (f, i) { return i >= placed && f.outerHTML === old.outerHTML; });
      if (same < 0) {
        old.remove();
        return;
      }
      fresh.slice(placed, same).forEach(function (f) { shown.insertBefore(f, old); });
      placed = same + 1;
    });
    fresh.slice(placed).forEach(function (f) { shown.appendChild(f); });
  }

  // show makes the parts of the page those of the fetched page fresh (a
  // fragment), and returns the result card. The focus moves only when the
  // element that had it changed or went.
  function show(fresh) {
    var place = focusedPlace(), before = heading(document);
    parts.forEach(function (id) {
      keep(document.getElementById(id), fresh.getElementById(id));
    });
    if (place && !document.contains(place.element)) {
      refocus(place);
    }
    if (heading(document) !== before) {
      document.getElementById("poll-status").textContent = heading(document);
    }
    return document.getElementById("result");
  }

  // poll fetches the page, shows it, and polls again when it asks for it.
  // A page without the parts (the run is gone from the session) is loaded
  // whole; a failed fetch is tried again after the same pause.
  function poll(seconds) {
    fetch(location.href, {credentials: "same-origin"})
      .then(function (resp) { return resp.text(); })
      .then(function (html) {
        var page = document.createElement("template");
        page.innerHTML = html; // inert: nothing in it runs, loads or applies its style
        var fresh = page.content;
        if (!parts.every(function (id) { return fresh.getElementById(id); })) {
          location.reload();
          return;
        }
        schedule(show(fresh));
      })
      .catch(function () { wait(seconds); });
  }

  // wait polls after seconds.
  function wait(seconds) {
    setTimeout(poll, seconds * 1000, seconds);
  }

  // schedule polls when result asks for it.
  function schedule(result) {
    var seconds = Number(result.dataset.refresh);
    if (seconds > 0) {
      wait(seconds);
    }
  }

  schedule(document.getElementById("result"));
})();
