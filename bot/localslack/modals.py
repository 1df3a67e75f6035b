"""View methods: modals (open, push, update) and the App Home tab (publish)."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.localslack.access import ApiError, Body, MethodsBase, Params, arg, json_arg, opt
from bot.localslack.blockkit import view_problems
from bot.localslack.models import View


class ViewMethods(MethodsBase):
    """``views.open``, ``views.push``, ``views.update`` and ``views.publish``."""

    def _view_payload(self, params: Params, expected: str) -> dict[str, Any]:
        view = json_arg(params, "view")
        if view is None:
            raise ApiError("invalid_arguments", ["missing required field: view"])
        problems = view_problems(view)
        if not problems and view.get("type") != expected:
            problems = [f"view type must be {expected}"]
        if problems:
            raise ApiError("invalid_arguments", problems)
        return dict(view)

    def _new_view(self, view: dict[str, Any], **fields: Any) -> View:
        view_id = self.ws.next_id("V")
        return View(
            id=view_id,
            type=str(view["type"]),
            view=view,
            hash=self.ws.next_ts(),
            external_id=view.get("external_id"),
            **fields,
        )

    def _out(self, view: View) -> Body:
        return {"view": view.to_slack(self.ws.team_id, self.ws.bot_id, self.ws.app_id)}

    def views_open(self, params: Params) -> Body:
        trigger_id = arg(params, "trigger_id")
        view = self._new_view(self._view_payload(params, "modal"), trigger_id=trigger_id)
        self.ws.views[view.id] = view
        return self._out(view)

    def views_push(self, params: Params) -> Body:
        trigger_id = arg(params, "trigger_id")
        view = self._new_view(self._view_payload(params, "modal"), trigger_id=trigger_id)
        self.ws.views[view.id] = view
        return self._out(view)

    def views_update(self, params: Params) -> Body:
        view_id, external_id = opt(params, "view_id"), opt(params, "external_id")
        if view_id is None and external_id is None:
            raise ApiError("invalid_arguments", ["view_id or external_id is required"])
        old = next(
            (
                v
                for v in self.ws.views.values()
                if (view_id and v.id == view_id) or (external_id and v.external_id == external_id)
            ),
            None,
        )
        if old is None:
            raise ApiError("not_found")
        if (given := opt(params, "hash")) is not None and given != old.hash:
            raise ApiError("hash_conflict")
        payload = self._view_payload(params, old.type)
        new = dataclasses.replace(old, view=payload, hash=self.ws.next_ts())
        self.ws.views[new.id] = new
        return self._out(new)

    def views_publish(self, params: Params) -> Body:
        user_id = arg(params, "user_id")
        if user_id not in self.ws.users:
            raise ApiError("user_not_found")
        payload = self._view_payload(params, "home")
        history = self.ws.home.setdefault(user_id, [])
        if history and (given := opt(params, "hash")) is not None and given != history[-1].hash:
            raise ApiError("hash_conflict")
        view_id = history[-1].id if history else self.ws.next_id("V")
        view = View(id=view_id, type="home", view=payload, user=user_id, hash=self.ws.next_ts())
        history.append(view)
        return self._out(view)
