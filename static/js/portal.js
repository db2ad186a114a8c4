// The portal works without this file; it makes two things kinder (WCAG 3.3.1, 3.3.3):
// - the error summary's links move focus to their field, not only scroll to it;
// - long text shows how many characters are left, instead of the browser cutting it silently.
"use strict";

document.querySelectorAll(".error-summary a[href^='#']").forEach((link) => {
  link.addEventListener("click", (event) => {
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    const label = document.querySelector(`label[for='${field.id}']`) || field;
    (field.closest("fieldset") || label).scrollIntoView();
    field.focus({ preventScroll: true });
  });
});

// Characters as the server counts them: code points, and a line break sent as two (CR LF).
const charactersIn = (text) => [...text].length + (text.match(/\n/g) || []).length;

document.querySelectorAll("textarea[data-max-length]").forEach((area) => {
  const limit = Number(area.dataset.maxLength);
  const shown = document.createElement("div");
  shown.className = "form-text character-count";
  shown.id = `${area.id}_count`;
  const spoken = document.createElement("div");
  spoken.className = "visually-hidden";
  spoken.setAttribute("aria-live", "polite");
  area.after(shown, spoken);
  area.setAttribute("aria-describedby", `${area.getAttribute("aria-describedby") || ""} ${shown.id}`.trim());
  // The words come from the page, in its language (complaints/forms.py COUNT_WORDS).
  const words = area.dataset;
  const describe = () => {
    const left = limit - charactersIn(area.value);
    const count = Math.abs(left).toLocaleString(document.documentElement.lang || "en-GB");
    const one = Math.abs(left) === 1;
    const text = left >= 0
      ? (one ? words.countLeftOne : words.countLeftMany)
      : (one ? words.countOverOne : words.countOverMany);
    return text.replace("{count}", count);
  };
  let pause;
  const update = () => {
    shown.textContent = describe();
    const over = charactersIn(area.value) > limit;
    shown.classList.toggle("text-danger", over);
    shown.classList.toggle("fw-semibold", over);
    // Said once typing pauses, not at every key.
    clearTimeout(pause);
    pause = setTimeout(() => { spoken.textContent = shown.textContent; }, 1000);
  };
  area.addEventListener("input", update);
  shown.textContent = describe();
});
