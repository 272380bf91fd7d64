// The page script's actions: every form with data-action posts with fetch,
// the token in x-csrf-token; a new build goes up with XMLHttpRequest so its
// progress bar moves, as the raw file with its Content-Length.
export const CLIENT_FORMS = `
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.action) return;
    event.preventDefault();
    const section = form.closest("section.app");
    if (form.dataset.action === "upload") return upload(form, section, (event.submitter && event.submitter.value) || "upload");
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    try {
      const res = await fetch(form.action, {
        method: "POST",
        headers: { accept: "application/json", "x-csrf-token": csrf },
        body: new URLSearchParams(new FormData(form)),
      });
      answer(res.status, await res.text());
      notice(section, "");
      await refresh(section.dataset.app);
    } catch (error) {
      notice(section, error.message, true);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });

  function upload(form, section, op) {
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file) return notice(section, "Choose a file to upload first.", true);
    const bar = form.querySelector("progress");
    const label = form.querySelector("[data-progress]");
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    bar.hidden = false;
    bar.max = file.size || 1;
    bar.value = 0;
    label.textContent = "0%";
    notice(section, "");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", base + "/apps/" + encodeURIComponent(section.dataset.app) + "/" + op);
    xhr.setRequestHeader("accept", "application/json");
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("x-csrf-token", csrf);
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      bar.max = e.total;
      bar.value = e.loaded;
      label.textContent = Math.round((100 * e.loaded) / e.total) + "%";
    };
    xhr.onload = () => {
      buttons.forEach((b) => (b.disabled = false));
      try {
        const started = answer(xhr.status, xhr.responseText);
        bar.value = bar.max;
        label.dataset.deployId = started.deployId || "";
        label.textContent = "100% \\u2014 " + file.name + (op === "deploy" ? " uploaded, hotswapping" : " staged");
        // A deploy that ended before this answer came: nothing is hotswapping any more.
        if (op === "deploy" && section.dataset.ended === started.deployId) uploadDone(section, started.deployId);
        refresh(section.dataset.app);
      } catch (error) {
        label.textContent = "";
        notice(section, "Upload refused: " + error.message, true);
      }
    };
    xhr.onerror = () => {
      buttons.forEach((b) => (b.disabled = false));
      notice(section, "Upload failed: the connection broke.", true);
    };
    xhr.send(file);
  }

  // The deploy the upload started has ended: its progress gives way to the live panel's result.
  function uploadDone(section, deployId) {
    const label = section.querySelector("[data-progress]");
    if (!label || label.dataset.deployId !== deployId || !/hotswapping$/.test(label.textContent)) return;
    label.textContent = "";
    section.querySelector("form.upload progress").hidden = true;
  }

`;
