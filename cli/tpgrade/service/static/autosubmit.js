// The Deep Linking answer goes back to the platform at once (the button stays for browsers without script).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("autosubmit");
  if (form) form.submit();
});
