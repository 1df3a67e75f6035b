"""Rendering minutes: one sandboxed Jinja2 environment, Markdown and Word (.docx).

Operators may put their own templates in the directory named by
``SECRETARIAT_TEMPLATES_DIR`` (in ``<dir>/minutes/`` or ``<dir>/`` itself); they are found
before the built-in ones in ``templates/minutes/``. A template named ``toshima`` is the pair
``toshima.md.j2`` and ``toshima.docx`` (without its own .docx a template uses the built-in
one of its language).

Templates are code the operator trusts only so far: every one renders in Jinja2's sandbox.
What users typed reaches a template only as context values, which Jinja2 prints and never
evaluates, so a note reading ``{{ 7*7 }}`` stays ``{{ 7*7 }}``. The .docx is filled by
docxtpl with an overlay of the same environment that XML-escapes every value.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.sandbox import SandboxedEnvironment

from bot.errors import UserError
from bot.minutes.values import MinutesContext
from bot.text import truncate

TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
MD_SUFFIX = ".md.j2"
LANGS = ("ja", "en")


def _operator_dirs(templates_dir: Path | None) -> list[Path]:
    if templates_dir is None:
        return []
    return [templates_dir / "minutes", templates_dir]


def _builtin_dir() -> Path:
    return Path(str(resources.files("templates") / "minutes"))


@cache
def minutes_env(templates_dir: Path | None) -> SandboxedEnvironment:
    """The one environment for minutes templates: the operator's directory first."""
    loaders: list[BaseLoader] = []
    dirs = _operator_dirs(templates_dir)
    if dirs:
        loaders.append(FileSystemLoader([str(d) for d in dirs]))
    loaders.append(PackageLoader("templates", "minutes"))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _docx_env(templates_dir: Path | None) -> Environment:
    # Same loader, filters and sandbox; only values are XML-escaped for WordprocessingML.
    return minutes_env(templates_dir).overlay(autoescape=True)


def check_template_name(name: str) -> str:
    """``name`` if it can name a template (letters, digits, ``-``, ``_``).

    Raises:
        UserError: ``body.bad_template``.
    """
    if not TEMPLATE_NAME.fullmatch(name):
        raise UserError("body.bad_template", name=truncate(name, 40), usage="usage.minutes.draft")
    return name


def available_templates(templates_dir: Path | None) -> list[str]:
    """Every template name an operator or the bot provides."""
    names: set[str] = set()
    for folder in [*_operator_dirs(templates_dir), _builtin_dir()]:
        if folder.is_dir():
            names.update(
                p.name.removesuffix(MD_SUFFIX)
                for p in folder.iterdir()
                if p.name.endswith(MD_SUFFIX) and TEMPLATE_NAME.fullmatch(p.name[: -len(MD_SUFFIX)])
            )
    return sorted(names)


def template_lang(name: str, default: str) -> str:
    """The language a template writes: ``ja``/``en`` by name (``toshima_en``), else ``default``."""
    for lang in LANGS:
        if name == lang or name.endswith((f"_{lang}", f"-{lang}")):
            return lang
    return default


def _problem(exc: Exception) -> str:
    line = getattr(exc, "lineno", None)
    text = f"{type(exc).__name__}: {exc}"
    return truncate(f"{text} (line {line})" if line else text, 200)


def render_markdown(context: MinutesContext, name: str, templates_dir: Path | None) -> str:
    """The minutes as Markdown, from ``<name>.md.j2``.

    Raises:
        UserError: ``minutes.unknown_template`` or ``minutes.template_error``.
    """
    env = minutes_env(templates_dir)
    try:
        template = env.get_template(check_template_name(name) + MD_SUFFIX)
    except TemplateNotFound:
        known = ", ".join(available_templates(templates_dir)) or "-"
        raise UserError(
            "minutes.unknown_template", name=name, known=known, usage="usage.minutes.draft"
        ) from None
    except TemplateError as exc:
        raise UserError("minutes.template_error", name=name, problem=_problem(exc)) from None
    try:
        return template.render(context.template_vars())
    except TemplateError as exc:
        raise UserError("minutes.template_error", name=name, problem=_problem(exc)) from None


def docx_template_path(name: str, lang: str, templates_dir: Path | None) -> Path:
    """``<name>.docx`` from the operator's directory or the built-in ones; else ``<lang>.docx``."""
    check_template_name(name)
    for folder in [*_operator_dirs(templates_dir), _builtin_dir()]:
        candidate = folder / f"{name}.docx"
        if candidate.is_file():
            return candidate
    return _builtin_dir() / f"{lang if lang in LANGS else 'ja'}.docx"


def render_docx(context: MinutesContext, name: str, templates_dir: Path | None) -> bytes:
    """The minutes as a Word document, filling ``<name>.docx`` with docxtpl.

    Raises:
        UserError: ``minutes.template_error`` when the .docx template is broken.
    """
    path = docx_template_path(name, context.lang, templates_dir)
    try:
        document = DocxTemplate(str(path))
        document.render(context.template_vars(), jinja_env=_docx_env(templates_dir))
        out = io.BytesIO()
        document.save(out)
    except (TemplateError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UserError("minutes.template_error", name=path.name, problem=_problem(exc)) from None
    return out.getvalue()
