// The map's behaviour around vis-network (`network`, `nodes`, `edges` are pyvis's globals):
// labels where they fit, edge labels on demand, highlight and focus, filters, search, the panel.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graphbuild-details").textContent);
  var details = data.details, posts = data.posts;
  var panel = document.getElementById("graphbuild-panel");
  var search = document.getElementById("graphbuild-search");
  var found = document.getElementById("graphbuild-found");
  var eventBox = document.getElementById("graphbuild-event");
  var yearBox = document.getElementById("graphbuild-year");
  var degreeBox = document.getElementById("graphbuild-degree");
  var focusBox = document.getElementById("graphbuild-focus");
  var MIN_RADIUS_PX = 4, LABEL_PX = 12, PAD = 2;

  var base = {};  // id -> {label, color, size}
  nodes.get().forEach(function (n) { base[n.id] = {label: n.label, color: n.color, size: n.size}; });
  var edgeBase = {};
  edges.get().forEach(function (e) { edgeBase[e.id] = {color: e.color, relation: e.relation}; });
  var postByPath = {};
  Object.keys(posts).forEach(function (id) { if (posts[id].path) postByPath[posts[id].path] = id; });
  var neighbours = {}, linksOf = {};
  Object.keys(details).forEach(function (id) { neighbours[id] = {}; linksOf[id] = []; });
  data.links.forEach(function (l) {
    if (!(l[0] in details) || !(l[1] in details)) return;
    neighbours[l[0]][l[1]] = true; neighbours[l[1]][l[0]] = true;
    linksOf[l[0]].push({other: l[1], relation: l[2], outgoing: true, sources: l[3]});
    linksOf[l[1]].push({other: l[0], relation: l[2], outgoing: false, sources: l[3]});
  });
  var order = Object.keys(base).sort(function (a, b) { return base[b].size - base[a].size || (a < b ? -1 : 1); });

  var state = {selected: null, hidden: {}, shown: {}, faded: null, fontSize: LABEL_PX};
  var measure = document.createElement("canvas").getContext("2d");

  function fade(hex) {
    var v = parseInt(hex.slice(1), 16);
    return "rgba(" + (v >> 16 & 255) + "," + (v >> 8 & 255) + "," + (v & 255) + ",0.15)";
  }
  function nodeStyle(id) {
    var faded = state.faded && !state.faded[id];
    var size = state.shown[id] ? state.fontSize : 0;  // canvas units: the same screen size at any zoom
    return {id: id, hidden: !!state.hidden[id], color: faded ? fade(base[id].color) : base[id].color,
            font: {size: size, color: faded ? "rgba(0,0,0,0.2)" : "#222222"}};
  }

  // Labels: only for nodes drawn big enough at this zoom, biggest first, and only where they do not
  // cover a label already placed (a grid of the boxes placed keeps this linear).
  function placeLabels() {
    var scale = network.getScale(), px = LABEL_PX;
    var box = network.body.container.getBoundingClientRect();
    var grid = {}, cell = 60, wanted = {};
    measure.font = px + "px sans-serif";
    var positions = network.getPositions();
    order.forEach(function (id) {
      if (state.hidden[id] || base[id].size * scale < MIN_RADIUS_PX) return;
      var p = network.canvasToDOM(positions[id]);
      if (p.x < -100 || p.y < -100 || p.x > box.width + 100 || p.y > box.height + 100) return;
      var w = measure.measureText(base[id].label).width, h = px * 1.3;
      var top = p.y + base[id].size * scale + 1;
      var r = {x0: p.x - w / 2 - PAD, x1: p.x + w / 2 + PAD, y0: top - PAD, y1: top + h + PAD};
      var cells = [];
      for (var gx = Math.floor(r.x0 / cell); gx <= Math.floor(r.x1 / cell); gx++) {
        for (var gy = Math.floor(r.y0 / cell); gy <= Math.floor(r.y1 / cell); gy++) cells.push(gx + "," + gy);
      }
      var clash = cells.some(function (c) {
        return (grid[c] || []).some(function (o) { return r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1; });
      });
      if (clash) return;
      cells.forEach(function (c) { (grid[c] = grid[c] || []).push(r); });
      wanted[id] = true;
    });
    var changed = [], rescaled = state.fontSize !== LABEL_PX / scale;
    Object.keys(base).forEach(function (id) {
      if (!!wanted[id] !== !!state.shown[id] || (rescaled && wanted[id])) changed.push(id);
    });
    state.shown = wanted;
    state.fontSize = LABEL_PX / scale;
    if (changed.length) nodes.update(changed.map(nodeStyle));
  }
  var labelTimer = null;
  function placeLabelsSoon() { clearTimeout(labelTimer); labelTimer = setTimeout(placeLabels, 120); }
  network.on("zoom", placeLabelsSoon);
  network.on("dragEnd", placeLabelsSoon);
  network.on("resize", placeLabelsSoon);
  placeLabels();  // the network has drawn its first frame (fitted) by the time this script runs

  // Edge labels only around the node hovered or selected.
  var labelled = {};
  function labelEdgesOf(ids) {
    var want = {};
    ids.forEach(function (id) { network.getConnectedEdges(id).forEach(function (e) { want[e] = true; }); });
    var changes = [];
    Object.keys(labelled).forEach(function (e) { if (!want[e]) changes.push({id: e, label: ""}); });
    Object.keys(want).forEach(function (e) {
      if (!labelled[e] && edgeBase[e]) changes.push({id: e, label: edgeBase[e].relation});
    });
    labelled = want;
    if (changes.length) edges.update(changes);
  }
  network.on("hoverNode", function (p) { labelEdgesOf(state.selected ? [state.selected, p.node] : [p.node]); });
  network.on("blurNode", function () { labelEdgesOf(state.selected ? [state.selected] : []); });

  function highlight(id) {
    var keep = null;
    if (id) { keep = {}; keep[id] = true; Object.keys(neighbours[id]).forEach(function (n) { keep[n] = true; }); }
    state.faded = keep;
    nodes.update(Object.keys(base).map(nodeStyle));
    edges.update(Object.keys(edgeBase).map(function (e) {
      var edge = edges.get(e), on = !keep || (keep[edge.from] && keep[edge.to] && (edge.from === id || edge.to === id));
      return {id: e, color: on ? edgeBase[e].color : "rgba(200,200,200,0.12)"};
    }));
  }

  function add(parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined) el.textContent = text;
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }
  function postLine(parent, postId, fallback) {
    var post = posts[postId] || posts[postByPath[postId]];
    var line = add(parent, "div", undefined, "gb-post");
    if (!post) { line.textContent = fallback || postId || ""; return; }
    line.textContent = "— " + post.title + (post.date ? " · " + post.date : "") + (post.path ? " · " + post.path : "");
    if (/^https?:\/\//.test(post.url)) {
      line.appendChild(document.createTextNode(" · "));
      var a = add(line, "a", post.url);
      a.href = post.url; a.target = "_blank"; a.rel = "noopener noreferrer";
    }
  }
  function heading(link) {
    var words = data.words[link.relation] || [link.relation, link.relation];
    var type = details[link.other].type;
    return words[link.outgoing ? 0 : 1] + " (" + (data.plural[type] || type.toLowerCase() + "s") + ")";
  }
  function clear() {
    state.selected = null;
    panel.replaceChildren();
    panel.style.display = "none";
    network.unselectAll();
    highlight(null);
    labelEdgesOf([]);
    if (focusBox.checked) applyFilters();
  }
  function show(id) {
    var d = details[id];
    if (!d) { clear(); return; }
    state.selected = id;
    panel.replaceChildren();
    var close = add(panel, "button", "×", "gb-close");
    close.title = "close"; close.setAttribute("aria-label", "close");
    close.addEventListener("click", clear);
    add(panel, "h3", d.label);
    add(panel, "div", d.type + (d.candidate ? " (candidate service, not in the AWS catalogue)" : "") +
        " · " + d.degree + " links", "gb-kind");
    if (d.labels.length) add(panel, "div", "also written: " + d.labels.join(", "));
    var groups = {}, names = [];
    linksOf[id].forEach(function (l) {
      var h = heading(l);
      if (!groups[h]) { groups[h] = []; names.push(h); }
      groups[h].push(l);
    });
    names.forEach(function (h) {
      add(panel, "h4", h + " (" + groups[h].length + ")");
      groups[h].forEach(function (l) {
        var row = add(panel, "div", undefined, "gb-link");
        var a = add(row, "a", details[l.other].label);
        a.addEventListener("click", function () { select(l.other); });
        l.sources.forEach(function (src) {
          add(panel, "blockquote", src[1]);
          postLine(panel, src[0]);
        });
      });
    });
    if (d.evidence.length) add(panel, "h4", "sentences naming it");
    d.evidence.forEach(function (ev) { add(panel, "blockquote", ev[1]); postLine(panel, ev[0], ev[0]); });
    panel.style.display = "block";
  }
  function select(id) {
    if (!details[id] || state.hidden[id]) { clear(); return; }
    network.selectNodes([id]);
    show(id);
    highlight(id);
    labelEdgesOf([id]);
    if (focusBox.checked) applyFilters();
  }
  network.on("click", function (p) { if (p.nodes.length) select(p.nodes[0]); else clear(); });

  function within(id, steps) {
    var seen = {}, frontier = [id];
    seen[id] = true;
    for (var s = 0; s < steps; s++) {
      var next = [];
      frontier.forEach(function (n) {
        Object.keys(neighbours[n]).forEach(function (m) { if (!seen[m]) { seen[m] = true; next.push(m); } });
      });
      frontier = next;
    }
    return seen;
  }
  function typesOff() {
    var off = {};
    document.querySelectorAll("#graphbuild-bar input[data-type]").forEach(function (box) {
      if (!box.checked) off[box.dataset.type] = true;
    });
    return off;
  }
  function applyFilters() {
    var off = typesOff(), ev = eventBox.value, year = yearBox.value, min = parseInt(degreeBox.value, 10) || 0;
    var focus = focusBox.checked && state.selected ? within(state.selected, 2) : null;
    var hidden = {};
    Object.keys(details).forEach(function (id) {
      var d = details[id];
      hidden[id] = !!(off[d.type] || (ev && d.events.indexOf(ev) < 0) || (year && d.years.indexOf(year) < 0) ||
                      d.degree < min || (focus && !focus[id]));
    });
    state.hidden = hidden;
    nodes.update(Object.keys(base).map(nodeStyle));
    if (state.selected && hidden[state.selected]) clear();
    placeLabelsSoon();
  }
  document.querySelectorAll("#graphbuild-bar input[data-type]").forEach(function (box) {
    box.addEventListener("change", applyFilters);
  });
  [eventBox, yearBox, degreeBox].forEach(function (el) { el.addEventListener("change", applyFilters); });
  degreeBox.addEventListener("input", applyFilters);
  focusBox.addEventListener("change", function () {
    applyFilters();
    if (focusBox.checked && state.selected) {
      network.fit({nodes: Object.keys(within(state.selected, 2)), animation: false});
      placeLabelsSoon();
    }
  });

  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    if (!q) { found.textContent = ""; clear(); network.fit(); placeLabelsSoon(); return; }
    var hits = Object.keys(details).filter(function (id) {
      var d = details[id];
      return !state.hidden[id] && [d.label, base[id].label].concat(d.labels).some(function (l) {
        return l.toLowerCase().indexOf(q) >= 0;
      });
    });
    hits.sort(function (a, b) { return details[b].degree - details[a].degree; });
    found.textContent = hits.length + " found";
    if (!hits.length) { clear(); return; }
    select(hits[0]);
    network.focus(hits[0], {scale: Math.max(network.getScale(), 1.2), animation: false});
    placeLabelsSoon();
  });
  window.graphbuildMap = {details: details, show: select, clear: clear, placeLabels: placeLabels,
                          state: state, applyFilters: applyFilters};
})();
