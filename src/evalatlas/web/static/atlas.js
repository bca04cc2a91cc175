// EvalAtlas pages work without this file; it only saves clicks. Any text it writes goes
// through textContent, never innerHTML, so stored data can never become markup here.
"use strict";

function autosubmit(form) {
  form.querySelectorAll("select, input[type=checkbox]:not([name=columns])").forEach((field) => {
    field.addEventListener("change", () => form.requestSubmit());
  });
  // Leave untouched fields out of the URL: an empty value means "no filter" anyway.
  form.addEventListener("submit", () => {
    form.querySelectorAll("input, select").forEach((field) => {
      if (field.name && field.value === "") field.disabled = true;
    });
  });
}

function countChecked(summary) {
  const name = summary.dataset.countOf;
  const form = summary.closest("form");
  const update = () => {
    const boxes = form.querySelectorAll(`input[type=checkbox][name="${name}"]`);
    const checked = Array.from(boxes).filter((box) => box.checked).length;
    summary.textContent = `(${checked} of ${boxes.length})`;
  };
  form.addEventListener("change", update);
  update();
}

// A battle takes a while (both models answer) and a vote cannot be changed: once a form
// is sent, its buttons (and the other vote buttons) are disabled so a second click cannot
// send it again. The forms work the same without this.
function sendOnce(form) {
  form.addEventListener("submit", () => {
    const group = form.closest("[data-send-once-group]") || form;
    group.querySelectorAll("button").forEach((button) => {
      button.disabled = true;
    });
    const waiting = form.dataset.waiting;
    const status = document.getElementById(form.dataset.status || "");
    if (waiting && status) status.textContent = waiting;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosubmit]").forEach(autosubmit);
  document.querySelectorAll("[data-count-of]").forEach(countChecked);
  document.querySelectorAll("form[data-send-once]").forEach(sendOnce);
});
