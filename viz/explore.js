// The backprop explorer's page script: draws the graph that viz/explore.py wrote into #model, steps through
// its forward pass (topological order) and backward sweep (the reverse), folds module groups, inspects nodes.
// Written by hand, no library: the page must work from a file with no network.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const HISTOGRAM_BINS = 20;
  const PARALLEL_EDGE_GAP = 24; // how far a second edge between the same two nodes bends away
  const LINE_CHARACTERS = 32; // as viz/explore.py sizes the boxes: longer lines end in "…"
  const cut = (text) => (text.length > LINE_CHARACTERS ? text.slice(0, LINE_CHARACTERS - 1) + "…" : text);
  const model = JSON.parse(document.getElementById("model").textContent);
  const nodes = model.nodes;
  const groups = model.groups;
  const count = nodes.length;
  // Forward steps compute the ops in topological order (leaves hold their numbers from the start); the
  // backward steps then visit every node in reverse, as the engine's sweep does.
  const forward = nodes.map((node, index) => index).filter((index) => nodes[index].op);
  const forwardRank = new Map(forward.map((node, rank) => [node, rank]));
  const backwardStart = forward.length;
  const lastStep = backwardStart + count - 1;
  const state = {
    step: 0,
    folded: new Set(groups.filter((group) => group.folded).map((group) => group.id)),
    selected: null, // {node} or {edge}
    zoom: 1,
  };
  const svg = document.getElementById("graph");
  const showLocal = document.getElementById("show-local");
  const showShares = document.getElementById("show-shares");

  // ---- what is known at a step ---------------------------------------------------------------
  const valueKnown = (node) => !forwardRank.has(node) || state.step >= forwardRank.get(node);
  const gradKnown = (node) => state.step >= backwardStart && state.step - backwardStart >= count - 1 - node;
  const currentNode = () => (state.step < backwardStart ? forward[state.step] : lastStep - state.step);

  // The group drawn in a node's place: its outermost folded group, or -1 when the node itself is drawn.
  function foldedAround(group) {
    let outermost = -1;
    for (; group !== -1; group = groups[group].parent) {
      if (state.folded.has(group)) outermost = group;
    }
    return outermost;
  }
  const itemOf = (node) => {
    const group = foldedAround(nodes[node].group);
    return group === -1 ? { kind: "node", id: node } : { kind: "group", id: group };
  };

  // ---- placing ------------------------------------------------------------------------------------
  // viz/explore.py laid out each container (a group, or -1: the page) twice: `at` with its child groups open,
  // `atFolded` with all of them folded into small boxes. A container is placed by the second while all its
  // child groups are folded, so a folded graph is as small as its boxes; otherwise by the first.
  const GROUP_PADDING = 10;
  const GROUP_TITLE_HEIGHT = 16;
  const childGroups = new Map([[-1, []]]);
  const nodesIn = new Map([[-1, []]]);
  groups.forEach((group) => { childGroups.set(group.id, []); nodesIn.set(group.id, []); });
  groups.forEach((group) => childGroups.get(group.parent).push(group.id));
  nodes.forEach((node, index) => nodesIn.get(node.group).push(index));

  function place(container, left, top, bounds) {
    const allFolded = childGroups.get(container).every((id) => state.folded.has(id));
    const at = (item) => (allFolded ? item.atFolded : item.at);
    for (const index of nodesIn.get(container)) {
      const node = nodes[index];
      node.x = left + at(node)[0];
      node.y = top + at(node)[1];
      bounds.right = Math.max(bounds.right, node.x + node.w / 2);
      bounds.bottom = Math.max(bounds.bottom, node.y + node.h / 2);
    }
    for (const id of childGroups.get(container)) {
      const group = groups[id];
      const folded = state.folded.has(id);
      const inner = !folded && childGroups.get(id).every((child) => state.folded.has(child));
      const [w, h] = folded ? [group.fw, group.fh] : inner ? [group.iw, group.ih] : [group.w, group.h];
      group.box = { x: left + at(group)[0] - w / 2, y: top + at(group)[1] - h / 2, w, h };
      bounds.right = Math.max(bounds.right, group.box.x + w);
      bounds.bottom = Math.max(bounds.bottom, group.box.y + h);
      if (!folded) place(id, group.box.x + GROUP_PADDING, group.box.y + GROUP_PADDING + GROUP_TITLE_HEIGHT, bounds);
    }
  }

  // ---- drawing -------------------------------------------------------------------------------------
  function element(name, attributes, parent, text) {
    const created = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) created.setAttribute(key, value);
    if (text !== undefined) created.textContent = text; // textContent: names can never become markup
    parent.appendChild(created);
    return created;
  }

  function box(item) {
    if (item.kind === "node") {
      const node = nodes[item.id];
      return { left: node.x - node.w / 2, right: node.x + node.w / 2, y: node.y };
    }
    const box = groups[item.id].box;
    return { left: box.x, right: box.x + box.w, y: box.y + box.h / 2 };
  }

  function drawEdge(layer, edge, index, from, to) {
    const a = box(from);
    const b = box(to);
    const middle = (a.right + b.left) / 2;
    const bend = from.bend || 0;
    const path = `M${a.right},${a.y} C${middle},${a.y + bend} ${middle},${b.y + bend} ${b.left},${b.y}`;
    const current = currentNode();
    const carriesNews = state.step >= backwardStart && edge.to === current; // the newest gradient goes along these
    const wrong = edge.wrong && gradKnown(edge.to); // a gradient check's disagreement, once backward is there
    const g = element("g", { class: "edge" + (carriesNews ? " current" : "") + (wrong ? " wrong" : ""),
                             "data-edge": index }, layer);
    element("path", { d: path, class: "line" }, g);
    element("path", { d: path, class: "hit" }, g); // a wide, invisible stroke that is easy to click
    const labels = [];
    if (showLocal.checked && edge.local !== undefined && valueKnown(edge.to)) labels.push(["local", edge.local]);
    if (wrong) {
      labels.push(["share", "✗ backprop " + edge.share], ["numerical", "numerical " + edge.numerical]);
    } else if (showShares.checked && edge.share !== undefined && nodes[edge.from].fansOut && gradKnown(edge.to)) {
      labels.push(["share", "share " + edge.share]);
    }
    labels.forEach(([kind, text], line) => {
      const y = (a.y + b.y) / 2 - 4 + line * 12 + bend;
      element("text", { x: middle, y: y, class: "edge-label " + kind }, g, text);
    });
    drawnEdges.set(index, { g, from, to });
    return g;
  }

  function drawNode(layer, index) {
    const node = nodes[index];
    const known = valueKnown(index);
    const classes = ["node", node.op ? "op" : "leaf"];
    if (node.suspect && gradKnown(index)) classes.push("suspect"); // the op a gradient check points at
    if (!known) classes.push("unknown");
    if (index === currentNode()) classes.push("current");
    if (state.selected && state.selected.node === index) classes.push("selected");
    const g = element("g", { class: classes.join(" "), "data-node": index }, layer);
    element("rect", { x: node.x - node.w / 2, y: node.y - node.h / 2, width: node.w, height: node.h, rx: 4 }, g);
    const top = node.y - node.h / 2 + 14;
    element("text", { x: node.x, y: top, class: "title" }, g, cut(node.title));
    element("text", { x: node.x, y: top + 14, class: "value" }, g, known ? cut(node.value) : "·");
    let grad = "—";
    if (node.grad !== null && gradKnown(index)) grad = (showShares.checked && node.fansOut ? "Σ " : "") + node.grad;
    element("text", { x: node.x, y: top + 28, class: "grad" + (grad === "—" ? " missing" : "") }, g, cut(grad));
    drawnNodes.set(index, g);
    return g;
  }

  function drawGroup(layer, group, folded) {
    const current = foldedAround(nodes[currentNode()].group) === group.id;
    const g = element("g", { class: "group" + (folded ? " folded" : "") + (current ? " current" : ""),
                             "data-group": group.id }, layer);
    const box = group.box;
    element("rect", { x: box.x, y: box.y, width: box.w, height: box.h, rx: 6 }, g);
    element("text", { x: box.x + 6, y: box.y + 12, class: "group-title" }, g,
            (folded ? "▸ " : "▾ ") + group.title);
  }

  // One listener for the whole picture (thousands of edges would each need one): what was clicked says what to do.
  svg.addEventListener("click", (event) => {
    const target = event.target.closest("[data-node], [data-edge], [data-group]");
    if (!target) return;
    if (target.dataset.node !== undefined) select({ node: Number(target.dataset.node) });
    else if (target.dataset.edge !== undefined) select({ edge: Number(target.dataset.edge) });
    else if (target.classList.contains("folded") || event.target.tagName === "text") { // an open group: its title
      const id = Number(target.dataset.group);
      if (state.folded.has(id)) state.folded.delete(id);
      else state.folded.add(id);
      render();
    }
  });

  // What render() drew, so that one step redraws only the nodes and edges it changes (see go).
  const drawnNodes = new Map(); // node index -> its <g>
  const drawnEdges = new Map(); // edge index -> {g, from, to}

  function render() {
    svg.textContent = "";
    drawnNodes.clear();
    drawnEdges.clear();
    const bounds = { right: 0, bottom: 0 };
    place(-1, 0, 0, bounds);
    const width = bounds.right + 10;
    const height = bounds.bottom + 10;
    svg.setAttribute("viewBox", `-5 -5 ${width} ${height}`);
    svg.setAttribute("width", width * state.zoom);
    svg.setAttribute("height", height * state.zoom);
    const groupLayer = element("g", {}, svg);
    const edgeLayer = element("g", {}, svg);
    const nodeLayer = element("g", {}, svg);
    const foldedLayer = element("g", {}, svg);
    for (const group of groups) {
      const outer = foldedAround(group.parent);
      if (outer !== -1) continue; // inside a folded group: not drawn
      if (state.folded.has(group.id)) drawGroup(foldedLayer, group, true);
      else drawGroup(groupLayer, group, false);
    }
    // Edges into or out of a folded group (its many inputs) are drawn once; a value used twice by one op
    // (x * x) gets both of its edges, the second bent apart from the first.
    const drawn = new Map(); // "from>to" -> how many edges drawn between them
    model.edges.forEach((edge, index) => {
      const from = itemOf(edge.from);
      const to = itemOf(edge.to);
      const key = `${from.kind}${from.id}>${to.kind}${to.id}`;
      const earlier = drawn.get(key) || 0;
      if ((from.kind === to.kind && from.id === to.id) || (earlier && (from.kind === "group" || to.kind === "group"))) {
        return;
      }
      drawn.set(key, earlier + 1);
      from.bend = to.bend = earlier * PARALLEL_EDGE_GAP;
      drawEdge(edgeLayer, edge, index, from, to);
    });
    nodes.forEach((node, index) => {
      if (itemOf(index).kind === "node") drawNode(nodeLayer, index);
    });
    describeStep();
    inspect();
  }

  // ---- steps -------------------------------------------------------------------------------------
  function describeStep() {
    const node = nodes[currentNode()];
    const name = node.title;
    let text;
    if (state.step < backwardStart) {
      text = `Forward step ${state.step + 1} of ${backwardStart}: ${name} = ${node.value}`;
    } else {
      const step = state.step - backwardStart + 1;
      text = node.grad === null
        ? `Backward step ${step} of ${count}: ${name} needs no gradient`
        : `Backward step ${step} of ${count}: d ${model.root} / d ${name} = ${node.grad}`;
    }
    document.getElementById("caption").textContent = model.verdict ? `${text}. ${model.verdict}` : text;
    document.getElementById("counter").textContent = `step ${state.step + 1} of ${lastStep + 1}`;
    document.getElementById("first").disabled = document.getElementById("previous").disabled = state.step === 0;
    document.getElementById("last").disabled = document.getElementById("next").disabled = state.step === lastStep;
  }

  // One step forward or back changes only the node it leaves and the node it reaches (their value, gradient,
  // highlight) and the edges into them; a large unfolded graph would take seconds to redraw whole.
  function redrawAround(node) {
    const old = drawnNodes.get(node);
    old.replaceWith(drawNode(old.parentNode, node));
    for (const [index, drawn] of drawnEdges) {
      if (model.edges[index].to !== node) continue;
      drawn.g.replaceWith(drawEdge(drawn.g.parentNode, model.edges[index], index, drawn.from, drawn.to));
    }
  }

  function go(step) {
    const before = currentNode();
    const previous = state.step;
    state.step = Math.max(0, Math.min(lastStep, step));
    const after = currentNode();
    if (Math.abs(state.step - previous) === 1 && drawnNodes.has(before) && drawnNodes.has(after)) {
      new Set([before, after]).forEach(redrawAround);
      describeStep();
      inspect();
    } else {
      render();
    }
    const current = svg.querySelector(".node.current, .group.current");
    if (current) current.scrollIntoView({ block: "nearest", inline: "nearest" }); // follow the step
  }

  // ---- the inspector -----------------------------------------------------------------------------
  function select(what) {
    state.selected = what;
    render();
  }

  function add(parent, tag, text, className) {
    const created = document.createElement(tag);
    if (text !== undefined) created.textContent = text;
    if (className) created.className = className;
    parent.appendChild(created);
    return created;
  }

  const short = (number) => String(Number(number.toPrecision(4))); // 4 significant digits, as the labels

  // A tensor's numbers as the page received them: float32, base64 (all of them, or a grid of block means).
  function cellsOf(summary) {
    const bytes = Uint8Array.from(atob(summary.cells), (character) => character.charCodeAt(0));
    return Array.from(new Float32Array(bytes.buffer));
  }

  function statistics(cells) {
    const finite = cells.filter(Number.isFinite);
    if (finite.length === 0) return null;
    const mean = finite.reduce((sum, x) => sum + x, 0) / finite.length;
    const variance = finite.reduce((sum, x) => sum + (x - mean) ** 2, 0) / finite.length;
    return [Math.min(...finite), mean, Math.max(...finite), Math.sqrt(variance)];
  }

  function histogramCounts(cells, low, high) {
    const counts = new Array(HISTOGRAM_BINS).fill(0);
    for (const x of cells.filter(Number.isFinite)) {
      const bin = high === low ? 0 : Math.floor(((x - low) / (high - low)) * HISTOGRAM_BINS);
      counts[Math.min(bin, HISTOGRAM_BINS - 1)] += 1;
    }
    return counts;
  }

  function heatmap(parent, summary, cells) {
    const canvas = add(parent, "canvas", undefined, "heatmap");
    const cell = Math.max(4, Math.floor(128 / Math.max(summary.rows, summary.columns)));
    canvas.width = summary.columns * cell;
    canvas.height = summary.rows * cell;
    const context = canvas.getContext("2d");
    const finite = cells.filter(Number.isFinite);
    const low = Math.min(...finite);
    const high = Math.max(...finite);
    cells.forEach((x, index) => {
      const level = high === low ? 0.5 : (x - low) / (high - low); // blue (low) to red (high)
      const green = Math.round(80 + 80 * (1 - Math.abs(2 * level - 1)));
      context.fillStyle = `rgb(${Math.round(255 * level)}, ${green}, ${Math.round(255 * (1 - level))})`;
      context.fillRect((index % summary.columns) * cell, Math.floor(index / summary.columns) * cell, cell, cell);
    });
    const what = summary.stats ? "block means" : "heatmap";
    add(parent, "p", `${what}: blue ${short(low)} … red ${short(high)}`, "scale");
  }

  function histogram(parent, counts, low, high) {
    const chart = document.createElementNS(SVG, "svg");
    chart.setAttribute("class", "histogram");
    chart.setAttribute("viewBox", `0 0 ${counts.length * 8} 40`);
    parent.appendChild(chart);
    const highest = Math.max(...counts, 1);
    counts.forEach((value, bin) => {
      const height = (40 * value) / highest;
      element("rect", { x: bin * 8, y: 40 - height, width: 7, height: height }, chart);
    });
    add(parent, "p", `histogram: ${short(low)} … ${short(high)}`, "scale");
  }

  function arrayPanel(parent, heading, summary) {
    add(parent, "h3", heading);
    const cells = cellsOf(summary);
    const stats = summary.stats || statistics(cells);
    if (!stats) {
      add(parent, "p", "no finite numbers", "stats");
      return;
    }
    const [min, mean, max, std] = stats;
    add(parent, "p", `min ${short(min)} · mean ${short(mean)} · max ${short(max)} · std ${short(std)}`, "stats");
    if (cells.length < 2) return;
    heatmap(parent, summary, cells);
    histogram(parent, summary.histogram || histogramCounts(cells, min, max), min, max);
  }

  function inspect() {
    const panel = document.getElementById("inspector");
    if (!state.selected) return;
    panel.textContent = "";
    let index = state.selected.node;
    if (state.selected.edge !== undefined) {
      const edge = model.edges[state.selected.edge];
      index = edge.from;
      add(panel, "h2", `edge ${nodes[edge.from].title} → ${nodes[edge.to].title}`);
      add(panel, "p", "carries the value of " + nodes[edge.from].title + " forward and a share of the gradient back");
      if (edge.local !== undefined && valueKnown(edge.to)) add(panel, "p", "local derivative " + edge.local, "local");
      if (edge.share !== undefined && gradKnown(edge.to)) add(panel, "p", "share of the gradient " + edge.share, "share");
      if (edge.numerical !== undefined && gradKnown(edge.to)) {
        add(panel, "p", "numerical share " + edge.numerical + (edge.wrong ? " ✗ disagrees" : " ✓"), "numerical");
      }
    }
    const node = nodes[index];
    add(panel, "h2", node.title);
    if (node.group !== -1) add(panel, "p", "made in " + groups[node.group].title, "module");
    if (!valueKnown(index)) {
      add(panel, "p", "not computed yet at this step", "missing");
      return;
    }
    add(panel, "p", "value " + node.value, "value");
    const grad = node.grad !== null && gradKnown(index) ? node.grad : "—";
    add(panel, "p", "gradient " + grad, grad === "—" ? "missing" : "grad");
    if (node.numerical !== undefined && gradKnown(index)) add(panel, "p", "numerical " + node.numerical, "numerical");
    if (node.inspect) {
      add(panel, "p", `shape (${node.inspect.shape.join(", ")}) · ${node.inspect.dtype}`, "shape");
      arrayPanel(panel, "values", node.inspect.value);
      if (node.inspect.grad && gradKnown(index)) arrayPanel(panel, "gradient", node.inspect.grad);
    }
  }

  // ---- controls ----------------------------------------------------------------------------------
  document.getElementById("first").addEventListener("click", () => go(0));
  document.getElementById("previous").addEventListener("click", () => go(state.step - 1));
  document.getElementById("next").addEventListener("click", () => go(state.step + 1));
  document.getElementById("last").addEventListener("click", () => go(lastStep));
  document.getElementById("fold-all").addEventListener("click", () => {
    groups.forEach((group) => state.folded.add(group.id));
    render();
  });
  document.getElementById("unfold-all").addEventListener("click", () => {
    state.folded.clear();
    render();
  });
  document.getElementById("zoom-in").addEventListener("click", () => { state.zoom *= 1.25; render(); });
  document.getElementById("zoom-out").addEventListener("click", () => { state.zoom /= 1.25; render(); });
  showLocal.addEventListener("change", render);
  showShares.addEventListener("change", render);
  document.addEventListener("keydown", (event) => {
    const moves = { ArrowRight: state.step + 1, ArrowLeft: state.step - 1, Home: 0, End: lastStep };
    if (event.key in moves) {
      event.preventDefault();
      go(moves[event.key]);
    }
  });
  render();
})();
