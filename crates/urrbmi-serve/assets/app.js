// The calculator page: a form for one resident, the assessment the server computes, and a
// roster upload. Everything shown comes from the API as it answers (amounts as the decimal
// strings it sends); nothing is computed here.
"use strict";

const $ = (selector) => document.querySelector(selector);
const DASH = "—";

const state = { vocabulary: null, policies: [], localCategories: [], localSpecial: [], localFunders: [] };

function text(el, value) {
  el.textContent = value === null || value === undefined || value === "" ? DASH : String(value);
}

function option(select, value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  select.appendChild(o);
}

function fillNames(select, names, blank) {
  select.replaceChildren();
  if (blank) option(select, "", blank);
  for (const n of names) option(select, n.id, `${n.chinese} (${n.id})`);
}

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

async function problemOf(response) {
  try {
    const p = await response.json();
    if (p && p.title) return p;
  } catch (_) { /* not a problem document */ }
  return { title: `HTTP ${response.status}`, detail: response.statusText, status: response.status };
}

function showError(problem) {
  const box = $("#error");
  box.replaceChildren();
  const h = document.createElement("h2");
  h.textContent = "出错 Error: " + (problem.title || "");
  const p = document.createElement("p");
  p.id = "error-detail";
  p.textContent = problem.detail || "";
  box.append(h, p);
  if (problem.field) {
    const f = document.createElement("p");
    f.textContent = "字段 Field: " + problem.field;
    box.append(f);
  }
  box.hidden = false;
}

function clearError() {
  $("#error").hidden = true;
  $("#error").replaceChildren();
}

function categoryOptions() {
  const names = state.vocabulary ? state.vocabulary.categories.slice() : [];
  return names.concat(state.localCategories);
}

function addCategoryRow(kind, grade, recognized) {
  const row = $("#category-row").content.firstElementChild.cloneNode(true);
  const select = row.querySelector(".cat-kind");
  fillNames(select, categoryOptions());
  if (kind) select.value = kind;
  if (grade) row.querySelector(".cat-grade").value = grade;
  if (recognized) row.querySelector(".cat-recognized").value = recognized;
  row.querySelector(".cat-remove").addEventListener("click", () => { row.remove(); update(); });
  row.addEventListener("input", update);
  row.addEventListener("change", update);
  $("#categories").appendChild(row);
  update();
  return row;
}

function whole(el) {
  const v = el.value.trim();
  if (v === "") return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : v; // the server says what is wrong with the rest
}

// The resident the form describes, in the JSON of the data contract.
function resident() {
  const r = {};
  const id = $("#id").value.trim();
  if (id) r.id = id;
  r.birth_date = $("#birth_date").value.trim();
  r.hukou = $("#hukou").value;
  r.residence_permit = $("#residence_permit").checked;
  r.student = $("#student").value;
  r.enrollment = $("#enrollment").value;
  if (r.enrollment === "lapsed") {
    const lapsed = whole($("#lapsed_years"));
    if (lapsed !== undefined) r.lapsed_years = lapsed;
  }
  const repair = whole($("#repair_years"));
  if (repair !== undefined) r.repair_years = repair;
  const continuous = whole($("#continuous_years"));
  if (continuous !== undefined) r.continuous_years = continuous;
  r.claim_free_last_year = $("#claim_free_last_year").checked;
  r.parent_insured = $("#parent_insured").checked;
  r.new_entrant = $("#new_entrant").checked;
  // Only where the policy offers several grades (缴费档次); grade 1 is the default.
  if (!$("#grade-field").hidden) r.contribution_grade = Number($("#contribution_grade").value);
  r.household_unit = $("#household_unit").checked;
  r.employee_insurance_obligated = $("#employee_insurance_obligated").checked;
  r.categories = [];
  for (const row of document.querySelectorAll("#categories .category-row")) {
    const c = { kind: row.querySelector(".cat-kind").value };
    const grade = whole(row.querySelector(".cat-grade"));
    if (grade !== undefined) c.grade = grade;
    const on = row.querySelector(".cat-recognized").value.trim();
    if (on) c.recognized_on = on;
    r.categories.push(c);
  }
  const special = $("#special_kind").value;
  if (special) {
    r.special = { kind: special };
    const date = $("#special_date").value.trim();
    if (date) r.special.date = date;
  } else {
    r.special = null;
  }
  r.payment_date = $("#payment_date").value.trim();
  return r;
}

function update() {
  $("#resident-json").value = JSON.stringify(resident(), null, 2);
  for (const el of document.querySelectorAll(".lapsed-only")) {
    el.hidden = $("#enrollment").value !== "lapsed";
  }
}

function funderName(id) {
  const funders = (state.vocabulary ? state.vocabulary.funders : []).concat(state.localFunders);
  const f = funders.find((n) => n.id === id);
  return f ? `${f.chinese} (${id})` : id;
}

function showAssessment(a) {
  const refused = a.status === "refused";
  const status = $("#status");
  status.dataset.status = a.status;
  status.textContent = (refused ? "不予参保 Refused" : "已参保 Enrolled") + ` (${a.status}) · ${a.policy}`;
  const refusal = $("#refusal");
  if (a.refusal) {
    refusal.textContent = `${a.refusal.code}: ${a.refusal.message}`;
    refusal.hidden = false;
  } else {
    refusal.hidden = true;
    refusal.textContent = "";
  }
  text($("#out-charged"), a.charged);
  text($("#out-owed"), a.owed);
  text($("#out-tier"), a.tier);
  text($("#out-benefit-start"), a.benefit_start);
  text($("#out-benefit-end"), a.benefit_end);
  text($("#out-waiting-months"), a.waiting_months);
  text($("#out-prior-year"), a.prior_year_charge ? `${a.prior_year_charge.amount} (${a.prior_year_charge.year})` : null);
  text($("#out-repair"), a.repair_charge ? `${a.repair_charge.amount} (${a.repair_charge.years})` : null);
  text($("#out-ceiling-raise"), a.ceiling_raise);

  const subsidies = $("#out-subsidies");
  subsidies.replaceChildren();
  for (const [funder, amount] of Object.entries(a.subsidies || {})) {
    const tr = document.createElement("tr");
    tr.dataset.funder = funder;
    const th = document.createElement("th");
    th.textContent = funderName(funder);
    const td = document.createElement("td");
    td.className = "amount";
    td.textContent = amount;
    tr.append(th, td);
    subsidies.appendChild(tr);
  }
  if (!subsidies.children.length) {
    const tr = document.createElement("tr");
    tr.className = "none";
    const td = document.createElement("td");
    td.colSpan = 2;
    td.textContent = "无补助 No subsidy";
    tr.appendChild(td);
    subsidies.appendChild(tr);
  }

  const trace = $("#trace tbody");
  trace.replaceChildren();
  a.trace.forEach((step, i) => {
    const tr = document.createElement("tr");
    if (step.decides) tr.className = "decides";
    for (const [cls, value] of [["n", String(i + 1)], ["rule", step.rule], ["summary", step.summary], ["citation", step.citation], ["mark", step.decides ? "★ 决定 decides" : ""]]) {
      const td = document.createElement("td");
      td.className = cls;
      td.textContent = value;
      tr.appendChild(td);
    }
    trace.appendChild(tr);
  });
  $("#result").hidden = false;
}

async function assess(event) {
  event.preventDefault();
  clearError();
  $("#result").hidden = true;
  const policy = $("#policy").value;
  const body = JSON.stringify(resident());
  try {
    const response = await fetch(`/v1/assess?policy=${encodeURIComponent(policy)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    if (!response.ok) {
      showError(await problemOf(response));
      return;
    }
    showAssessment(await response.json());
  } catch (e) {
    showError({ title: "网络错误 Network error", detail: String(e) });
  } finally {
    document.body.dataset.assessed = String(Number(document.body.dataset.assessed || 0) + 1);
  }
}

async function copyJson() {
  update();
  const json = $("#resident-json").value;
  let done = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(json);
      done = true;
    }
  } catch (_) { /* fall back below */ }
  if (!done) {
    const area = $("#resident-json");
    area.closest("details").open = true;
    area.select();
    done = document.execCommand && document.execCommand("copy");
  }
  $("#copy-status").textContent = done ? "已复制 Copied" : "请手动复制 Select and copy the JSON below";
}

async function uploadRoster() {
  clearError();
  const file = $("#roster-file").files[0];
  const status = $("#roster-status");
  if (!file) {
    status.textContent = "请选择文件 Choose a file first";
    return;
  }
  status.textContent = "计算中… Assessing…";
  $("#roster-download").hidden = true;
  try {
    const policy = $("#policy").value;
    const response = await fetch(`/v1/roster?policy=${encodeURIComponent(policy)}`, {
      method: "POST",
      // The server knows a workbook and a text encoding by the content; the type only says which.
      headers: { "content-type": /\.xlsx$/i.test(file.name) ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : /\.xls$/i.test(file.name) ? "application/vnd.ms-excel" : "text/csv" },
      body: file,
    });
    if (!response.ok) {
      const problem = await problemOf(response);
      status.textContent = "";
      showError(problem);
      return;
    }
    const report = await response.json();
    status.textContent = `共 ${report.rows} 行 rows: 已计算 evaluated ${report.evaluated}, 无法读取 unreadable ${report.unreadable}, 无法计算 not evaluable ${report.not_evaluable}`;
    status.dataset.rows = report.rows;
    const pre = $("#roster-report");
    pre.textContent = report.report;
    pre.hidden = false;
    const link = $("#roster-download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([report.annotated.csv], { type: report.annotated.content_type }));
    link.download = report.annotated.filename;
    link.hidden = false;
    link.click();
  } catch (e) {
    status.textContent = "";
    showError({ title: "网络错误 Network error", detail: String(e) });
  } finally {
    document.body.dataset.rosters = String(Number(document.body.dataset.rosters || 0) + 1);
  }
}

async function choosePolicy() {
  const id = $("#policy").value;
  const summary = state.policies.find((p) => p.id === id);
  if (summary) {
    const doc = summary.document.number || summary.document.title;
    $("#policy-info").textContent = `${summary.region} ${summary.benefit_year} · ${doc} · 个人缴费 personal ${summary.standards.personal} 元 · 缴费期 window ${summary.window.from}..${summary.window.to}`;
  }
  try {
    const detail = await getJson(`/v1/policies/${encodeURIComponent(id)}`);
    state.localCategories = detail.local_categories;
    state.localSpecial = detail.local_special;
    state.localFunders = detail.local_funders;
  } catch (_) {
    state.localCategories = [];
    state.localSpecial = [];
    state.localFunders = [];
  }
  // The policy's grades (缴费档次), offered only where it has more than one.
  const grades = summary ? summary.standards.grades : [];
  const gradeSelect = $("#contribution_grade");
  gradeSelect.replaceChildren();
  for (const g of grades) option(gradeSelect, String(g.grade), `${g.name} · ${g.personal} 元`);
  $("#grade-field").hidden = grades.length < 2;
  // The built-in circumstances and the policy's own.
  const special = $("#special_kind");
  const chosen = special.value;
  fillNames(special, (state.vocabulary ? state.vocabulary.special : []).concat(state.localSpecial), "无 none");
  if ([...special.options].some((o) => o.value === chosen)) special.value = chosen;
  for (const select of document.querySelectorAll("#categories .cat-kind")) {
    const value = select.value;
    fillNames(select, categoryOptions());
    select.value = value;
  }
  update();
}

async function start() {
  try {
    const [vocabulary, policies] = await Promise.all([getJson("/v1/vocabulary"), getJson("/v1/policies")]);
    state.vocabulary = vocabulary;
    state.policies = policies;
    const select = $("#policy");
    for (const p of policies) option(select, p.id, `${p.region} ${p.benefit_year} (${p.id})`);
    fillNames($("#hukou"), vocabulary.hukou);
    fillNames($("#student"), vocabulary.student);
    fillNames($("#enrollment"), vocabulary.enrollment);
    await choosePolicy();
  } catch (e) {
    showError(e && e.title ? e : { title: "无法加载 Cannot load", detail: String(e) });
  }
  $("#policy").addEventListener("change", choosePolicy);
  $("#resident-form").addEventListener("submit", assess);
  $("#resident-form").addEventListener("input", update);
  $("#resident-form").addEventListener("change", update);
  $("#add-category").addEventListener("click", () => addCategoryRow());
  $("#copy-json").addEventListener("click", copyJson);
  $("#roster-upload").addEventListener("click", uploadRoster);
  update();
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
