// The forum's only script, and an optional one: everything works without it.
// Ctrl+Enter (Cmd+Enter on a Mac) in a post's text box sends the form, as its main button would.
"use strict";
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  if (!(box instanceof HTMLTextAreaElement) || !box.form) return;
  const send = box.form.querySelector('[type="submit"][name="submit"]');
  if (!send) return;
  event.preventDefault();
  box.form.requestSubmit(send);
});

// Drafts: a post being written is kept in this browser's own storage (localStorage, not a
// cookie), per topic or category, restored when the page comes back, and forgotten when the
// post is sent. Nothing of it is ever sent to the server.
const draftKey = (form) => form.dataset.draft && `forum-draft:${form.dataset.draft}`;
const draftStore = () => {
  try { return window.localStorage; } catch { return null; }  // storage may be switched off
};

document.querySelectorAll("form[data-draft]").forEach((form) => {
  const store = draftStore();
  const key = draftKey(form);
  const body = form.querySelector("textarea[name=body]");
  const title = form.querySelector("input[name=title]");
  if (!store || !key || !body) return;
  let saved = null;
  try { saved = JSON.parse(store.getItem(key) || "null"); } catch { saved = null; }
  if (saved && !body.value.trim() && !(title && title.value.trim())) {
    body.value = saved.body || "";
    if (title) title.value = saved.title || "";
  }
  let timer = 0;
  const save = () => {
    const draft = { body: body.value, title: title ? title.value : "" };
    if (draft.body.trim() || draft.title.trim()) store.setItem(key, JSON.stringify(draft));
    else store.removeItem(key);
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(save, 300); });
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    if (event.submitter && event.submitter.name === "preview") save();
    else store.removeItem(key);
  });
});

// Pictures pasted or dropped into a post's text box are uploaded at once and their Markdown
// is put at the cursor; without the script, the form's file field does the same on Preview.
const insertAtCursor = (box, text) => {
  const start = box.selectionStart, end = box.selectionEnd;
  const before = box.value.slice(0, start), after = box.value.slice(end);
  const lead = before && !before.endsWith("\n") ? "\n" : "";
  box.value = `${before}${lead}${text}\n${after}`;
  box.selectionStart = box.selectionEnd = (before + lead + text).length + 1;
  box.dispatchEvent(new Event("input", { bubbles: true }));
};

const uploadPicture = async (box, file) => {
  const form = box.form;
  const status = form.querySelector(".upload-status");
  const description = window.prompt(`Describe the picture “${file.name}” for people who cannot see it:`);
  if (!description) return;
  const data = new FormData();
  data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
  data.append("image", file, file.name || "pasted-picture");
  data.append("description", description);
  if (status) status.textContent = "Uploading the picture…";
  try {
    const response = await fetch(box.dataset.upload, { method: "POST", body: data, credentials: "same-origin" });
    const answer = await response.json().catch(() => ({ error: `The upload failed (${response.status}).` }));
    if (answer.markdown) insertAtCursor(box, answer.markdown);
    if (status) status.textContent = answer.markdown ? "Picture added." : answer.error;
  } catch {
    if (status) status.textContent = "The upload failed: check your connection and try again.";
  }
};

const pictures = (list) => Array.from(list || []).filter((f) => f.type.startsWith("image/"));

document.querySelectorAll("textarea[data-upload]").forEach((box) => {
  box.addEventListener("paste", (event) => {
    const files = pictures(event.clipboardData && event.clipboardData.files);
    if (!files.length) return;
    event.preventDefault();
    files.forEach((file) => uploadPicture(box, file));
  });
  box.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) event.preventDefault();
  });
  box.addEventListener("drop", (event) => {
    const files = pictures(event.dataTransfer && event.dataTransfer.files);
    if (!files.length) return;
    event.preventDefault();
    files.forEach((file) => uploadPicture(box, file));
  });
});

// The account page's time zone: a member who never chose one is offered the browser's own
// zone, selected in the form; nothing is sent until they press Save.
const zoneSelect = document.querySelector("select#timezone");
const zoneNote = document.getElementById("browser-zone");
if (zoneSelect && zoneNote) {
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch { zone = ""; }
  const option = zone && zone !== "UTC" && zoneSelect.querySelector(`option[value="${CSS.escape(zone)}"]`);
  if (option) {
    zoneSelect.value = zone;
    zoneNote.textContent = zoneNote.dataset.label.replace("{zone}", zone);
    zoneNote.hidden = false;
  }
}
// Quoting a selection: with some of a post's text selected, its Quote link puts just that
// text, attributed and linked, into the reply box on this page. Without a selection, a reply
// box or this script, the link opens the reply form with the whole post quoted.
const selectedIn = (post) => {
  const selection = window.getSelection();
  const prose = post && post.querySelector(".prose");
  if (!selection || selection.isCollapsed || !prose) return "";
  if (!prose.contains(selection.anchorNode) || !prose.contains(selection.focusNode)) return "";
  return selection.toString().trim();
};

document.querySelectorAll("a.post-quote").forEach((link) => {
  let chosen = "";
  // A press on the link may clear the selection before the click: read it first.
  link.addEventListener("pointerdown", () => { chosen = selectedIn(link.closest("article")); });
  link.addEventListener("click", (event) => {
    const text = chosen || selectedIn(link.closest("article"));
    chosen = "";
    const box = document.querySelector(".reply textarea[name=body]");
    if (!text || !box) return;
    event.preventDefault();
    const who = link.dataset.author ? `**@${link.dataset.author}**` : "A former member";
    const lines = text.split("\n").map((line) => `> ${line}`.trimEnd()).join("\n");
    insertAtCursor(box, `> ${who} [wrote](/p/${link.dataset.post}):\n>\n${lines}\n`);
    box.focus();
  });
});
