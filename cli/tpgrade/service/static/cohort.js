// The cohort page reloads every 10 s, but not while a Moodle worksheet is chosen or a field is
// being filled in: the reload would lose them.
document.addEventListener("DOMContentLoaded", () => {
  const worksheet = document.getElementById("worksheet");
  setInterval(() => {
    const busy = document.activeElement instanceof HTMLInputElement;
    if (!busy && !(worksheet && worksheet.files && worksheet.files.length)) location.reload();
  }, 10000);
});
