// "Fill the reply" on a complaint's admin page, without reloading it: the template, filled for this
// complaint, goes after what the agent has typed, so nothing typed anywhere on the page is lost.
// Without this file the same button reloads the page with the box filled (complaints/admin_entries.py).
"use strict";

const chooser = document.getElementById("reply-template-form");
const entry = document.getElementById("complaint-entry");

if (chooser && entry) {
  const box = entry.querySelector("textarea[name='body']");
  const chosenTemplate = entry.querySelector("input[name='reply_template']");
  const reply = entry.querySelector("input[name='kind'][value='reply']");
  const actionNote = document.getElementById("template-action");
  let lastFilled = null; // the text the last template put in, while the agent has not edited it
  let lastTemplate = null; // the template the reply now starts from, whose action sending applies

  const describeAction = (filled) => {
    actionNote.replaceChildren();
    if (!filled.action) return;
    const strong = document.createElement("strong");
    if (filled.action_problem) {
      strong.textContent = `This template would also: ${filled.action}. Not now:`;
      actionNote.append(strong, ` ${filled.action_problem} The reply is sent without it.`);
    } else {
      strong.textContent = `Sending this reply will also: ${filled.action}.`;
      actionNote.append(strong);
    }
  };

  chooser.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = new URLSearchParams(new FormData(chooser));
    let filled;
    try {
      const response = await fetch(`${chooser.dataset.fillUrl}?${query}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      filled = await response.json(); // a log-in page instead (the session ended) is not JSON
    } catch {
      // Never reload here: the page holds what the agent typed. The reply still starts from the
      // template filled before, if any, so its action is still said.
      if (lastTemplate) describeAction(lastTemplate);
      else actionNote.replaceChildren();
      const strong = document.createElement("strong");
      strong.textContent = "This template could not be filled just now.";
      actionNote.prepend(
        strong,
        " It may have been retired, or you may need to log in again in another tab. Nothing you typed has changed. ",
      );
      return;
    }
    // The box reads line breaks back as \n whatever the template was saved with (\r\n from a form).
    filled.body = filled.body.replace(/\r\n?/g, "\n");
    let typed = box.value;
    if (lastFilled !== null && typed.endsWith(lastFilled)) {
      typed = typed.slice(0, typed.length - lastFilled.length); // swap the template, not the agent's words
    }
    const before = typed.trimEnd();
    box.value = before ? `${before}\n\n${filled.body}` : filled.body;
    lastFilled = filled.body;
    lastTemplate = filled;
    chosenTemplate.value = filled.template;
    reply.checked = true;
    describeAction(filled);
    box.focus();
  });
}
