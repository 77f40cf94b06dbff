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
