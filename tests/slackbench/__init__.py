"""The Slack side of the test bench.

- ``spec``: checks every Web API call against Slack's OpenAPI description.
- ``signing``: signs and sends requests to the bot as Slack does (over HTTP or in process).
- ``payloads``: builders of real Slack payloads (slash commands, actions, modals, events).

The fake Web API itself is ``bot.localslack.LocalSlack``.
"""
