// Destructive forms (data-confirm) ask in a modal <dialog> before they are sent; the
// server asks on a page of its own when this script does not run (web/views/confirm.tsx).
"use strict";
(function () {
  let dialog = null;
  function build() {
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-question");
    const p = document.createElement("p");
    p.id = "confirm-dialog-question";
    const form = document.createElement("form");
    form.method = "dialog";
    form.className = "confirm-buttons";
    const cancel = document.createElement("button");
    cancel.type = "submit";
    cancel.value = "cancel";
    cancel.className = "secondary";
    cancel.textContent = "Cancel";
    const ok = document.createElement("button");
    ok.type = "submit";
    ok.value = "confirm";
    ok.className = "danger";
    ok.id = "confirm-dialog-ok";
    form.append(cancel, ok);
    dialog.append(p, form);
    document.body.append(dialog);
    return dialog;
  }
  function ask(target) {
    const d = dialog ?? build();
    d.querySelector("#confirm-dialog-question").textContent = target.dataset.confirm;
    d.querySelector("#confirm-dialog-ok").textContent = target.dataset.confirmLabel || "Confirm";
    d.returnValue = "cancel";
    d.onclose = () => {
      if (d.returnValue !== "confirm") return;
      const yes = document.createElement("input");
      yes.type = "hidden";
      yes.name = "confirm";
      yes.value = "yes";
      target.append(yes);
      target.submit();
    };
    d.showModal();
    d.querySelector(".secondary").focus();
  }
  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.querySelector('input[name="confirm"][value="yes"]')) return;
    ev.preventDefault();
    ask(form);
  });
})();
