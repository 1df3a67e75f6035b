"""The Block Kit limits Slack enforces and that bots most often break.

Not a full schema: the checks that turn into ``invalid_blocks`` / ``invalid_arguments`` in real
Slack when a text grows with user input (long titles, many agenda items).
"""

from __future__ import annotations

from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
BLOCK_TYPES = {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "file",
    "header",
    "video",
    "rich_text",
    "markdown",
}


def _text_len(obj: Any) -> int:
    if isinstance(obj, dict):
        return len(str(obj.get("text", "")))
    return 0


def _element_problems(where: str, element: Any) -> list[str]:
    if not isinstance(element, dict) or "type" not in element:
        return [f"{where}: element must be an object with a type"]
    problems: list[str] = []
    if element["type"] == "button":
        if _text_len(element.get("text")) > 75:
            problems.append(f"{where}: button text must be at most 75 characters")
        if len(str(element.get("value", ""))) > 2000:
            problems.append(f"{where}: button value must be at most 2000 characters")
    if len(str(element.get("action_id", ""))) > 255:
        problems.append(f"{where}: action_id must be at most 255 characters")
    return problems


def _block_problems(index: int, block: Any) -> list[str]:
    where = f"blocks[{index}]"
    if not isinstance(block, dict):
        return [f"{where}: must be an object"]
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        return [f"{where}: unknown block type {kind!r}"]
    problems: list[str] = []
    if len(str(block.get("block_id", ""))) > 255:
        problems.append(f"{where}: block_id must be at most 255 characters")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: section needs text or fields")
        if _text_len(block.get("text")) > 3000:
            problems.append(f"{where}: section text must be at most 3000 characters")
        fields = block.get("fields", [])
        if len(fields) > 10 or any(_text_len(f) > 2000 for f in fields):
            problems.append(f"{where}: at most 10 fields of at most 2000 characters")
        if "accessory" in block:
            problems += _element_problems(f"{where}.accessory", block["accessory"])
    elif kind == "header" and _text_len(block.get("text")) > 150:
        problems.append(f"{where}: header text must be at most 150 characters")
    elif kind == "context" and not 1 <= len(block.get("elements", [])) <= 10:
        problems.append(f"{where}: context needs 1 to 10 elements")
    elif kind == "actions":
        elements = block.get("elements", [])
        if not 1 <= len(elements) <= 25:
            problems.append(f"{where}: actions needs 1 to 25 elements")
        for i, element in enumerate(elements):
            problems += _element_problems(f"{where}.elements[{i}]", element)
    elif kind == "input":
        if _text_len(block.get("label")) > 2000:
            problems.append(f"{where}: input label must be at most 2000 characters")
        problems += _element_problems(f"{where}.element", block.get("element"))
    return problems


def block_problems(blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS) -> list[str]:
    """What is wrong with a ``blocks`` array, as Slack would refuse it ([] when fine)."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems = [f"no more than {max_blocks} items allowed"] if len(blocks) > max_blocks else []
    for i, block in enumerate(blocks):
        problems += _block_problems(i, block)
    return problems


def view_problems(view: Any) -> list[str]:
    """What is wrong with a modal or Home view payload ([] when fine)."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"view type must be modal or home, not {kind!r}"]
    problems = block_problems(view.get("blocks", []), max_blocks=VIEW_MAX_BLOCKS)
    if kind == "modal":
        if "title" not in view:
            problems.append("modal needs a title")
        for key in ("title", "submit", "close"):
            if _text_len(view.get(key)) > 24:
                problems.append(f"{key} must be at most 24 characters")
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            problems.append("a modal with input blocks needs a submit button")
    if len(str(view.get("private_metadata", ""))) > 3000:
        problems.append("private_metadata must be at most 3000 characters")
    if len(str(view.get("callback_id", ""))) > 255:
        problems.append("callback_id must be at most 255 characters")
    return problems
