"""What students get for one day: the stub notebook and the public tests, nothing else.

``tpgrade release DAY --out DIR`` writes::

    DIR/tp_DAY.ipynb
    DIR/tests_publics/DAY/test_public_DAY.py
    DIR/LISEZMOI.md

(and ``DIR.zip`` with ``--zip``), ready to upload to Moodle. ``tpgrade check``
and the notebook's ``check("DAY")`` find ``tests_publics/`` in the folder they
are run from, so a student needs the package and this folder only. Nothing of
``reference/`` or ``graders/`` is read here.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tpgrade import paths
from tpgrade.errors import InputError

README = "LISEZMOI.md"
_README_TEXT = """# TP {day} : ce qu'il vous faut

Ce dossier contient le notebook à compléter (`tp_{day}.ipynb`) et les tests
publics (`tests_publics/`), qui vérifient vos fonctions comme la correction
les chargera. Les tests publics sont plus simples que ceux de la correction :
les réussir est nécessaire, pas suffisant.

1. Installez l'outil (une fois) : `pip install tpgrade`
2. Ouvrez `tp_{day}.ipynb` depuis ce dossier et complétez les fonctions.
3. Enregistrez le notebook, puis vérifiez-le, depuis ce dossier :
   - dans un terminal : `tpgrade check {day} tp_{day}.ipynb`
   - ou dans le notebook : `from tpgrade.notebook import check; check("{day}")`
4. Rendez `tp_{day}.ipynb` sur Moodle.

La vérification lit le fichier enregistré, cellules dans l'ordre, sans les
cellules d'exploration, comme la correction : enregistrez avant de vérifier.
"""


@dataclass(frozen=True)
class Bundle:
    folder: Path
    files: tuple[Path, ...]
    archive: Path | None


def _public_files(day: str) -> list[Path]:
    folder = paths.course_root() / "assignments" / paths.check_day(day) / "public_tests"
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def release(day: str, folder: Path, make_zip: bool = False) -> Bundle:
    """Write the student bundle of ``day`` into ``folder`` (new or empty)."""
    day = paths.check_day(day)
    stub = paths.stub_notebook(day)
    public = paths.course_root() / "assignments" / day / "public_tests"
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(
            f"{folder} exists and is not an empty folder: choose a new one (nothing was written)"
        )
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copyfile(stub, folder / stub.name)))
        for source in _public_files(day):
            target = folder / paths.BUNDLE_TESTS / day / source.relative_to(public)
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(Path(shutil.copyfile(source, target)))
        readme = folder / README
        readme.write_text(_README_TEXT.format(day=day), encoding="utf-8")
        written.append(readme)
        archive = _zip(folder, written) if make_zip else None
    except OSError as exc:
        raise InputError(f"cannot write the bundle in {folder}: {exc.strerror or exc}") from None
    return Bundle(folder, tuple(written), archive)


def _zip(folder: Path, files: list[Path]) -> Path:
    """``folder.zip``, its entries under the folder's name (Moodle shows it as one folder)."""
    archive = folder.with_name(folder.name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            bundle.write(path, Path(folder.name) / path.relative_to(folder))
    return archive
