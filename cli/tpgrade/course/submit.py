"""Handing in from the terminal or the notebook: the service's API, from the student's side.

The student's install is the bare package, so this speaks HTTP with the
standard library (``urllib``) rather than pull a client library into every
student's environment. The token comes from ``--token``, ``TPGRADE_TOKEN``,
or the file ``tpgrade login`` writes (per server, readable by its owner
only). Every failure is one French sentence saying what to do.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tpgrade.errors import InputError, UsageError

DONE = ("graded", "rejected", "system_error")
STATES = {
    "queued": "en attente",
    "running": "en cours de correction",
    "graded": "corrigé",
    "rejected": "refusé",
    "system_error": "erreur du correcteur",
}


def logins_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tpgrade" / "logins.json"


def _saved() -> dict[str, str]:
    try:
        found = json.loads(logins_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def save_login(server: str, token: str) -> Path:
    """Remember ``token`` for ``server`` (the file is readable by its owner only)."""
    logins = {**_saved(), normal(server): token}
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.touch(mode=0o600)
    temporary.write_text(json.dumps(logins, indent=2), encoding="utf-8")
    temporary.replace(path)
    return path


def normal(server: str) -> str:
    server = server.strip().rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise UsageError(f"adresse de serveur invalide {server!r} : écrivez-la en entier, https://…")
    return server


def saved_servers() -> list[str]:
    return sorted(_saved())


@dataclass(frozen=True)
class Service:
    """The service at ``url`` with a student's token."""

    url: str
    token: str
    timeout: float = 30.0

    @classmethod
    def reached(cls, server: str | None, token: str | None) -> Service:
        """The server given (or the only one logged in to) with its token."""
        if server is None:
            known = saved_servers()
            server = os.environ.get("TPGRADE_SERVER") or (known[0] if len(known) == 1 else None)
            if server is None:
                raise UsageError("quel serveur ? donnez --server URL (ou connectez-vous : tpgrade login URL)")
        url = normal(server)
        token = token or os.environ.get("TPGRADE_TOKEN") or _saved().get(url)
        if not token:
            raise UsageError(
                f"pas de jeton pour {url} : tpgrade login {url} --token JETON (le jeton de votre lien)"
            )
        return cls(url, token.strip())

    def request(self, method: str, path: str, body: bytes | None = None, kind: str = "") -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if kind:
            headers["Content-Type"] = kind
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise InputError(_refusal(exc.code, _detail(exc), self.url)) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(
                f"serveur injoignable ({self.url} : {reason}) : vérifiez l'adresse et le réseau"
            ) from None
        except ValueError:
            raise InputError(f"{self.url} n'a pas répondu comme un serveur tpgrade") from None

    def days(self) -> list[str]:
        return list(self.request("GET", "/api/v1/days"))

    def upload(self, day: str, path: Path) -> dict[str, Any]:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InputError(f"impossible de lire {path} : {exc.strerror}") from None
        body, kind = multipart({"day": day}, "file", path.name, content)
        return dict(self.request("POST", "/api/v1/submissions", body, kind))

    def status(self, ident: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/api/v1/submissions/{urllib.parse.quote(ident, safe='')}"))

    def wait(
        self, ident: str, say: Callable[[dict[str, Any]], None], patience: float = 600
    ) -> dict[str, Any]:
        """Follow the submission until it is graded, refused or failed (or ``patience`` runs out):
        over its event stream, else by asking every second."""
        deadline = time.monotonic() + patience
        found = self.status(ident)
        say(found)
        while found["status"] not in DONE and time.monotonic() < deadline:
            streamed = self.follow(ident, say, deadline)
            if streamed is None:  # no stream here (an older server, a proxy that holds it): poll
                time.sleep(1.0)
                found = self.status(ident)
                say(found)
            else:
                found = streamed
        return found

    def follow(
        self, ident: str, say: Callable[[dict[str, Any]], None], deadline: float
    ) -> dict[str, Any] | None:
        """Read the submission's Server-Sent Events until ``done`` or the stream's end; the last
        view seen, or None when the stream cannot be read."""
        path = f"/api/v1/submissions/{urllib.parse.quote(ident, safe='')}/events"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        request = urllib.request.Request(self.url + path, headers=headers)
        last = None
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if not response.headers.get("content-type", "").startswith("text/event-stream"):
                    return None
                event = ""
                for raw in response:
                    line = raw.decode("utf-8").rstrip("\r\n")
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:"):
                        last = dict(json.loads(line.removeprefix("data:")))
                        say(last)
                        if event == "done" or time.monotonic() > deadline:
                            return last
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise InputError(_refusal(exc.code, _detail(exc), self.url)) from None
            return None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError, UnicodeDecodeError):
            return None
        return last


def multipart(fields: dict[str, str], name: str, file_name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and one file."""
    boundary = f"tpgrade-{secrets.token_hex(16)}"
    quoted = file_name.replace('"', "%22").replace("\r", "").replace("\n", "")
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        found = json.loads(error.read() or b"{}")
    except ValueError:
        return ""
    detail = found.get("detail", "") if isinstance(found, dict) else ""
    return detail if isinstance(detail, str) else ""


def _refusal(code: int, detail: str, url: str) -> str:
    said = {
        401: f"jeton refusé par {url} (faux ou révoqué) : reconnectez-vous avec le lien reçu, tpgrade login {url}",
        403: "rendu refusé",
        404: "ce TP n'est pas ouvert au rendu (ou ce rendu n'existe pas)",
        413: "fichier trop volumineux (20 Mo au plus)",
        429: "limite de rendus atteinte : réessayez plus tard",
        503: "le service n'est pas prêt (aucun correcteur pour ce TP) : réessayez dans une minute",
    }.get(code, f"le serveur a répondu {code}")
    return f"{said} ({detail})" if detail and code not in (401,) else said


def progress_line(found: dict[str, Any]) -> str:
    state = STATES.get(str(found.get("status")), str(found.get("status")))
    if found.get("status") == "queued" and found.get("queue_position") is not None:
        estimate = found.get("estimate_s")
        about = f", retour dans {estimate:.0f} s environ" if isinstance(estimate, int | float) else ""
        return f"{state} : {found['queue_position']} rendu(s) avant le vôtre{about}"
    return state


def summary_lines(found: dict[str, Any], url: str) -> list[str]:
    """What the student reads once it is done: the score, each question, the feedback link."""
    link = f"{url}/submissions/{found['id']}"
    if found["status"] == "rejected":
        return [f"Fichier refusé : {found.get('rejection', '')}", "Corrigez-le et rendez-le de nouveau."]
    if found["status"] == "system_error":
        return [
            "La correction a échoué de notre côté : votre rendu est conservé et sera corrigé de nouveau.",
            link,
        ]
    if found["status"] != "graded":
        return [f"Toujours {STATES.get(found['status'], found['status'])} : le retour sera sur {link}"]
    lines = [f"Note : {found['score']:g} / {found['max_score']:g}"]
    for name, question in found.get("questions", {}).items():
        mark = "✔" if question["score"] >= question["max_score"] else "✘"
        lines.append(f"  {mark} {name} : {question['score']:g} / {question['max_score']:g}")
    lines.append(f"Retour détaillé : {link}")
    return lines


def hand_in_file(
    day: str,
    path: Path,
    service: Service,
    say: Callable[[str], None],
    progress: Callable[[str], None],
    check: bool = True,
    wait: bool = True,
) -> dict[str, Any]:
    """Check ``path`` locally (saying what fails), hand it in, keep the receipt, wait for the
    grading; the submission's last status."""
    if check:
        for line in local_check(day, path):
            say(line)
    receipt = service.upload(day, path)
    kept = path.resolve().parent / f"recu-{day}-{receipt['id']}.jws"
    try:
        kept.write_text(receipt["receipt"] + "\n", encoding="utf-8")
        where = f" ; reçu signé : {kept.name}"
    except OSError:
        where = ""
    say(
        f"Rendu reçu le {receipt['received_at']} (n° {receipt['id']}, SHA-256 {receipt['sha256'][:12]}…){where}"
    )
    if receipt["status"] == "rejected" or not wait:
        return receipt
    return service.wait(receipt["id"], lambda found: progress(progress_line(found)))


def local_check(day: str, path: Path) -> list[str]:
    """The public checks' verdicts on the file, or why they could not run (handing in goes on)."""
    from tpgrade.course.check import all_passed, check_in_process, verdict_lines
    from tpgrade.errors import TpgradeError

    try:
        result = check_in_process(day, path)
    except TpgradeError as exc:
        return [f"Vérification locale impossible ({exc}) : le rendu part sans elle."]
    if result.status != "graded":
        return [f"Vérification locale : fichier refusé ({result.message})."]
    if all_passed(result.questions):
        return ["Vérification locale : tous les tests publics passent."]
    failing = [line for line in verdict_lines(result.questions) if not line.lstrip().startswith("✔")]
    return ["Vérification locale : certains tests publics échouent (le rendu part quand même) :", *failing]
