// The host's page: lists the served models and classifies a dropped image through /v1/models/NAME/classify. Every
// answer that is not a success is shown as the host's own status and message, never as a blank page.
"use strict";

const keyStore = "cltool-api-key";
const byId = id => document.getElementById(id);
let previewUrl = null;

function authorization() {
  const key = sessionStorage.getItem(keyStore);
  return key ? { "X-API-Key": key } : {};
}

/** "STATUS: the host's message" for a refused request (the host answers {"error": "..."}). */
async function refusal(response) {
  let message = response.statusText;
  try {
    const body = await response.json();
    if (body && body.error) message = body.error;
  } catch { /* not JSON: keep the status text */ }
  return `${response.status}: ${message}`;
}

function showKeyForm(reason) {
  byId("key-section").hidden = false;
  byId("key-error").textContent = sessionStorage.getItem(keyStore) ? reason : "";
  byId("models-section").hidden = byId("classify-section").hidden = true;
  byId("key").focus();
}

async function loadModels() {
  byId("error").textContent = "";
  let response;
  try {
    response = await fetch("/ui/models", { headers: authorization() });
  } catch (error) {
    byId("error").textContent = `The host did not answer: ${error.message}`;
    return;
  }
  if (response.status === 401) return showKeyForm(await refusal(response));
  if (!response.ok) {
    byId("error").textContent = await refusal(response);
    return;
  }
  byId("key-section").hidden = true;
  render((await response.json()).models);
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "—";
  if (className) td.className = className;
  return td;
}

function render(models) {
  const list = byId("models"), select = byId("model");
  list.replaceChildren();
  select.replaceChildren();
  if (models.length === 0) {
    byId("error").textContent = "No model is ready (see POST /v2/repository/index for the reasons).";
    return;
  }
  for (const model of models) {
    select.add(new Option(model.name, model.name));
    const card = document.createElement("div");
    card.className = "model";
    card.dataset.model = model.name;
    const title = document.createElement("h3");
    title.textContent = model.name;
    const table = document.createElement("table");
    table.createTHead().insertRow().append(...["version", "method", "tasks trained", "classes", "input", "weights", "runs on", "sha256"]
      .map(name => Object.assign(document.createElement("th"), { textContent: name })));
    const body = table.createTBody();
    for (const v of model.versions) {
      const row = body.insertRow();
      cell(row, v.version);
      cell(row, v.method);
      cell(row, v.tasks && v.tasks_in_run ? `${v.tasks} of ${v.tasks_in_run}` : v.tasks);
      cell(row, String(v.labels.length));
      cell(row, `${v.input[0]} × ${v.input[1]} × ${v.input[2]}`);
      cell(row, [v.adapters, v.dtype].filter(Boolean).join(", ") || null);
      cell(row, v.provider);
      cell(row, v.sha256.slice(0, 12));
    }
    const labels = document.createElement("details");
    const newest = model.versions[0];
    labels.append(Object.assign(document.createElement("summary"), { textContent: `${newest.labels.length} labels of version ${newest.version}, in logit order` }));
    const ol = document.createElement("ol");
    ol.start = 0;
    ol.append(...newest.labels.map(label => Object.assign(document.createElement("li"), { textContent: label })));
    labels.append(ol);
    card.append(title, table, labels);
    list.append(card);
  }
  byId("models-section").hidden = byId("classify-section").hidden = false;
}

function setStatus(text, isError) {
  const status = byId("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

async function classify(file) {
  const model = byId("model").value;
  const table = byId("predictions"), preview = byId("preview");
  table.hidden = true;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  preview.hidden = false;
  preview.src = previewUrl;
  setStatus(`Classifying ${file.name} (${file.size.toLocaleString()} bytes) with ${model}…`, false);
  let response;
  try {
    response = await fetch(`/v1/models/${encodeURIComponent(model)}/classify?top_k=5`, {
      method: "POST",
      headers: { ...authorization(), "Content-Type": file.type || "application/octet-stream" },
      body: file,
    });
  } catch (error) {
    setStatus(`The upload failed before the host answered: ${error.message}`, true);
    return;
  }
  if (response.status === 401) return showKeyForm(await refusal(response));
  if (!response.ok) {
    setStatus(await refusal(response), true);
    return;
  }
  const answer = await response.json();
  setStatus(`${answer.model_name}, version ${answer.model_version}`, false);
  const body = table.tBodies[0];
  body.replaceChildren();
  answer.predictions.forEach((prediction, rank) => {
    const row = body.insertRow();
    cell(row, String(rank + 1));
    cell(row, prediction.label, "label");
    const bar = cell(row, `${(prediction.score * 100).toFixed(2)} %`, "bar");
    const length = document.createElement("span");
    length.style.width = `${Math.max(0.1, prediction.score * 10)}rem`;   // through the CSSOM: the page's CSP allows no inline styles
    bar.prepend(length);
  });
  table.hidden = false;
}

function wire() {
  byId("key-form").addEventListener("submit", event => {
    event.preventDefault();
    sessionStorage.setItem(keyStore, byId("key").value);
    loadModels();
  });
  const drop = byId("drop");
  drop.addEventListener("dragover", event => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", event => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length > 0) classify(event.dataTransfer.files[0]);
  });
  byId("file").addEventListener("change", event => {
    if (event.target.files.length > 0) classify(event.target.files[0]);
    event.target.value = "";
  });
  byId("preview").addEventListener("error", () => { byId("preview").hidden = true; });
  loadModels();
}

wire();
