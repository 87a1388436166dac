"""{% desk_widget w %}: draw a prepared desk widget inside the page's own context."""

from __future__ import annotations

import logging
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from digitaldesk.desk.registry import FAILED_TEXT, PreparedWidget

register = template.Library()
log = logging.getLogger("digitaldesk.desk.registry")


@register.simple_tag(takes_context=True)
def desk_widget(context: template.Context, item: PreparedWidget) -> SafeString:
    """Render the widget's template like {% include %} does (the page's context processors are
    reused, not run again), with the widget's own context pushed on top. A widget whose template
    fails is replaced by an error box; the rest of the desk still shows."""
    if not item.failed:
        try:
            page = context.template
            if page is None:
                raise RuntimeError("a desk widget is drawn inside the desk home template only")
            engine: Any = page.engine
            widget_template = engine.get_template(item.template)
            with context.push(**item.context):
                return SafeString(widget_template.render(context))
        except Exception:
            log.exception("desk widget %s failed", item.key)
    return format_html('<p class="nonfield">{}</p>', FAILED_TEXT)
