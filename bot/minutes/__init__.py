"""Minutes (議事録): the context of a meeting's minutes, its rendering from templates into
Markdown and Word, the numbered drafts, and sending them to Slack.

``context`` gathers the values, ``render`` fills the templates (one sandboxed Jinja2
environment), ``drafts`` stores versions and publishes, ``slack`` posts the files.
"""
