// The findings table of reviewer's HTML report, drawn from the JSON data island: findings are
// filtered (severity, category, rule, path text) and sorted as data, and only the first rows of
// the result are in the document, more on request, so a report with thousands of findings stays
// quick. A row is built when first shown, a finding's details (excerpt, fix, the rule's
// explanation) when first opened. Text from the scanned project only ever reaches the page
// through text nodes.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const findings = data.findings;
  const severityRank = new Map(data.severities.map((name, index) => [name, index]));
  const table = document.getElementById("findings-table");
  const body = table.tBodies[0];
  const shown = document.getElementById("shown");
  const form = document.getElementById("filters");
  const categoryFilter = document.getElementById("filter-category");
  const ruleFilter = document.getElementById("filter-rule");
  const pathFilter = document.getElementById("filter-path");
  const more = document.getElementById("show-more");
  const all = document.getElementById("show-all");

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A message or fix: `code` spans become <code>, everything else stays plain text.
  function richText(tag, text) {
    const node = element(tag);
    const parts = text.split("`");
    if (parts.length % 2 === 0) {
      node.textContent = text;
      return node;
    }
    parts.forEach((part, index) => {
      if (part) node.appendChild(index % 2 ? element("code", "", part) : document.createTextNode(part));
    });
    return node;
  }

  const PAGE = 250;
  const entries = findings.map((finding, index) => ({
    index: index, finding: finding, row: null, toggle: null, detail: null, open: false, search: finding.path.toLowerCase(),
  }));
  let sorted = entries;
  let matched = entries;
  let limit = PAGE;

  function rowOf(entry) {
    if (entry.row) return entry.row;
    const finding = entry.finding;
    const row = element("tr", "finding");
    row.dataset.index = String(entry.index);
    const severity = element("td");
    const toggle = element("button", "toggle", "\u25B8");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-label", "Show details");
    severity.append(toggle, element("span", "badge s-" + finding.severity, finding.severity));
    const rule = element("td", "rule", finding.rule);
    rule.appendChild(element("small", "", finding.name));
    const where = element("td", "where", finding.path + ":" + finding.line + ":" + finding.column);
    row.append(severity, rule, element("td", "", finding.category), where, richText("td", finding.message));
    entry.row = row;
    entry.toggle = toggle;
    return row;
  }

  function excerpt(finding) {
    const lines = data.sources[finding.path] || {};
    const box = element("div", "code");
    const [first, last] = finding.excerpt;
    const numbers = Object.keys(lines).map(Number).filter((number) => number >= first && number <= last);
    if (!numbers.length) return element("p", "missing", "The source is not available any more.");
    numbers.sort((a, b) => a - b).forEach((number) => {
      const text = lines[number];
      const hit = number >= finding.line && number <= finding.end_line;
      const line = element("div", hit ? "hit" : "");
      line.appendChild(element("span", "no", String(number)));
      // Columns are 1-based; end_column is inclusive. A span over several lines is marked
      // from its start column on its first line and to its end column on its last.
      const from = number === finding.line ? finding.column - 1 : 0;
      const to = number === finding.end_line ? finding.end_column : text.length;
      if (hit && to > from) {
        line.append(text.slice(0, from), element("mark", "", text.slice(from, to)), text.slice(to));
      } else {
        line.append(text);
      }
      box.appendChild(line);
    });
    return box;
  }

  function details(entry) {
    const finding = entry.finding;
    const cell = element("td");
    cell.colSpan = 5;
    const facts = element("dl");
    const add = (term, node) => facts.append(element("dt", "", term), node);
    add("Message", richText("dd", finding.message));
    add("Fix", richText("dd", finding.fix));
    add("Where", element("dd", "", finding.path + ", line " + finding.line + ", column " + finding.column));
    add("Confidence", element("dd", "", finding.confidence));
    if (finding.also.length) add("Also reported by", element("dd", "", finding.also.join(", ")));
    cell.append(facts, excerpt(finding));
    const rule = data.rules[finding.rule];
    if (rule) {
      const explain = element("details", "explain");
      explain.append(element("summary", "", "Rule " + finding.rule + " " + finding.name + ": why it matters, bad and good code"), element("pre", "", rule.explanation.join("\n")));
      cell.appendChild(explain);
    }
    const row = element("tr", "detail");
    row.appendChild(cell);
    return row;
  }

  function setOpen(entry, open) {
    if (open && !entry.detail) entry.detail = details(entry);
    entry.open = open;
    entry.toggle.setAttribute("aria-expanded", String(open));
    entry.toggle.textContent = open ? "\u25BE" : "\u25B8";
    entry.row.classList.toggle("open", open);
    if (open) entry.row.after(entry.detail);
    else if (entry.detail) entry.detail.remove();
  }

  body.addEventListener("click", (event) => {
    const row = event.target.closest("tr.finding");
    if (!row) return;
    const entry = entries[Number(row.dataset.index)];
    setOpen(entry, !entry.open);
  });

  // Sorting: a stable sort on one key, ties broken by path, line, column and rule.
  let sortKey = "severity";
  let descending = true;
  const keys = {
    severity: (f) => -severityRank.get(f.severity),
    rule: (f) => f.rule,
    category: (f) => f.category,
    path: (f) => f.path,
    message: (f) => f.message,
  };
  function compareLocation(a, b) {
    return a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
  }
  function sort() {
    const key = keys[sortKey];
    const sign = descending ? -1 : 1;
    const keyed = entries.map((entry) => ({ entry: entry, key: key(entry.finding) }));
    keyed.sort((a, b) => (a.key < b.key ? -sign : a.key > b.key ? sign : compareLocation(a.entry.finding, b.entry.finding)));
    sorted = keyed.map((item) => item.entry);
    for (const header of table.tHead.rows[0].cells) {
      if (header.dataset.sort === sortKey) header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else header.removeAttribute("aria-sort");
    }
  }

  // The first `limit` matching findings go into the document, each open one with its details.
  function draw() {
    const fragment = document.createDocumentFragment();
    for (const entry of matched.slice(0, limit)) {
      fragment.appendChild(rowOf(entry));
      if (entry.open) fragment.appendChild(entry.detail);
    }
    body.replaceChildren(fragment);
    const count = matched.length;
    if (!findings.length) shown.textContent = "No findings.";
    else if (count <= limit) shown.textContent = "Showing " + count + " of " + findings.length + " findings.";
    else shown.textContent = "Showing the first " + limit + " of " + count + " matching findings (" + findings.length + " in all).";
    more.hidden = all.hidden = count <= limit;
    more.textContent = "Show " + Math.min(PAGE, count - limit) + " more";
  }

  table.tHead.addEventListener("click", (event) => {
    const header = event.target.closest("th[data-sort]");
    if (!header) return;
    descending = header.dataset.sort === sortKey ? !descending : header.dataset.sort === "severity";
    sortKey = header.dataset.sort;
    sort();
    filter();
  });

  function filter() {
    const severities = new Set(Array.from(form.querySelectorAll("input[name=severity]:checked"), (box) => box.value));
    const category = categoryFilter.value;
    const rule = ruleFilter.value;
    const text = pathFilter.value.trim().toLowerCase();
    matched = sorted.filter((entry) => {
      const f = entry.finding;
      return severities.has(f.severity) && (!category || f.category === category) && (!rule || f.rule === rule) && (!text || entry.search.includes(text));
    });
    limit = PAGE;
    draw();
  }
  more.addEventListener("click", () => {
    limit += PAGE;
    draw();
  });
  all.addEventListener("click", () => {
    limit = matched.length;
    draw();
  });
  form.addEventListener("change", filter);
  pathFilter.addEventListener("input", filter);
  form.addEventListener("reset", () => setTimeout(filter, 0));
  form.addEventListener("submit", (event) => event.preventDefault());

  // A click on a chart's bar filters the table by that bar's category or rule.
  function pick(bar) {
    const select = bar.dataset.filter === "rule" ? ruleFilter : categoryFilter;
    if (!Array.from(select.options).some((option) => option.value === bar.dataset.value)) return;
    form.reset();
    select.value = bar.dataset.value;
    filter();
    document.getElementById("findings").scrollIntoView();
  }
  for (const bar of document.querySelectorAll(".chart .bar[data-filter]")) {
    bar.addEventListener("click", () => pick(bar));
    bar.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pick(bar);
      }
    });
  }

  sort();
  filter();
})();
