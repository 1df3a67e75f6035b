"""Checks every Web API call against Slack's published OpenAPI description.

The 2020 spec (``shared/slack/slack_web_openapi_v2.json``, Swagger 2.0) lists each method at
``paths["/chat.postMessage"]["post"]["parameters"]``. It describes the token as a required
parameter ``in: header`` (or ``in: query`` for a few methods); slack_sdk sends it as
``Authorization: Bearer …``, and Slack also accepts a ``token`` form parameter, so either
satisfies it. Other parameters may arrive in the query string, a form body or a JSON body
whatever the spec says, because Slack accepts all three.

Usage::

    checker = attach(local_slack)
    ...                       # run the bot
    checker.assert_clean()
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.localslack import RESPONSE_URL_CALL, UPLOAD_CALL, Call, LocalSlack

DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "shared/slack/slack_web_openapi_v2.json"

ADDED_SINCE_SPEC: dict[str, tuple[str, ...]] = {
    # Methods newer than the 2020 spec, with their required parameters from Slack's docs.
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}
"""Methods allowed although the spec does not list them."""

REQUIRED_BEYOND_SPEC: dict[str, tuple[str, ...]] = {
    # The spec marks these optional, but Slack answers an error without them.
    "users.info": ("user",),
    "conversations.info": ("channel",),
    "conversations.members": ("channel",),
    "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "chat.delete": ("channel", "ts"),
    "files.info": ("file",),
    "views.update": ("view",),
}
"""Parameters Slack requires although the spec marks them optional."""

NOT_WEB_API = frozenset({UPLOAD_CALL, RESPONSE_URL_CALL})


@dataclass(frozen=True)
class MethodSpec:
    """What the spec says about one method: required and known parameter names."""

    name: str
    required: tuple[str, ...]
    known: frozenset[str]


VENDORED_SPEC = Path(__file__).resolve().parent / "openapi" / "slack_web_openapi_v2.json"


def spec_path() -> Path:
    """The spec file: ``$SLACK_OPENAPI_SPEC``, else ``shared/slack/`` next to the repo, else
    the copy kept in this folder (so a clone anywhere can run the bench)."""
    override = os.environ.get("SLACK_OPENAPI_SPEC")
    if override:
        return Path(override)
    return DEFAULT_SPEC if DEFAULT_SPEC.is_file() else VENDORED_SPEC


@lru_cache(maxsize=4)
def load_methods(path: Path) -> dict[str, MethodSpec]:
    """The methods of the spec at ``path``, by name.

    Raises:
        FileNotFoundError: The spec is missing; the checks cannot run without it.
    """
    if not path.is_file():
        raise FileNotFoundError(
            f"Slack OpenAPI spec not found at {path}; the repository expects a shared/ folder "
            "next to it, or set SLACK_OPENAPI_SPEC to the file"
        )
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for route, operations in document["paths"].items():
        name = route.lstrip("/")
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            required = tuple(p["name"] for p in parameters if p.get("required"))
            known = frozenset(p["name"] for p in parameters)
            methods[name] = MethodSpec(name, required, known)
    return methods


def _has_token(call: Call) -> bool:
    authorization = call.headers.get("authorization", "")
    return authorization.lower().startswith("bearer ") or bool(call.params.get("token"))


def _present(value: Any) -> bool:
    return value is not None and value != ""


class SpecChecker:
    """Finds what is wrong with Web API calls according to Slack's OpenAPI spec.

    Args:
        path: The spec file (default: ``spec_path()``).
        strict_params: Also report parameters the spec does not know (off by default:
            slack_sdk sends a few newer ones, such as ``metadata``).
    """

    def __init__(self, path: Path | None = None, *, strict_params: bool = False) -> None:
        self.methods = load_methods(path or spec_path())
        self.strict_params = strict_params
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def check(self, call: Call) -> list[str]:
        """Problems of one call ([] when it is fine)."""
        method = call.method
        if method in NOT_WEB_API:
            return []
        spec = self.methods.get(method)
        if spec is None and method not in ADDED_SINCE_SPEC:
            return [f"{method}: not a Web API method in the spec"]
        required = spec.required if spec is not None else ("token",)
        required += ADDED_SINCE_SPEC.get(method, ()) + REQUIRED_BEYOND_SPEC.get(method, ())
        problems: list[str] = []
        for name in dict.fromkeys(required):
            present = _has_token(call) if name == "token" else _present(call.params.get(name))
            if not present:
                problems.append(f"{method}: missing required parameter {name!r}")
        if self.strict_params and spec is not None:
            for name in call.params:
                if name != "token" and name not in spec.known:
                    problems.append(f"{method}: parameter {name!r} is not in the spec")
        return problems

    def record(self, call: Call) -> None:
        """``LocalSlack`` hook: remember the problems of ``call``."""
        found = self.check(call)
        if found:
            with self._lock:
                self.problems.extend(found)

    def reset(self) -> None:
        with self._lock:
            self.problems.clear()

    def assert_clean(self) -> None:
        """Fail with the list of problems seen since the start (or ``reset()``)."""
        with self._lock:
            problems = list(self.problems)
        assert not problems, "Web API calls that break Slack's spec:\n" + "\n".join(problems)


def attach(local_slack: LocalSlack, checker: SpecChecker | None = None) -> SpecChecker:
    """Check every call ``local_slack`` receives from now on; returns the checker.

    An existing ``on_call`` hook keeps being called.
    """
    checker = checker or SpecChecker()
    previous = local_slack.on_call

    def hook(call: Call) -> None:
        checker.record(call)
        if previous is not None:
            previous(call)

    local_slack.on_call = hook
    return checker
