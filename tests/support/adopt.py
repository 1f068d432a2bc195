"""採用 → 取組にする goes through a prefilled modal (issue 16): submit it as it was prefilled."""

from __future__ import annotations

from bot.core.replies import Form


def publish_prefilled(staff, form: Form | None = None, **changes):
    """Submit the ADOPT form (``form``, or the one in ``staff.last``) with its prefilled values
    and the confirmation; ``changes`` edit fields before submitting."""
    form = form or next(r for r in staff.last if isinstance(r, Form))
    values = {f.name: f.initial for f in form.fields}
    values.update({"sure": "yes", **changes})
    return staff.submit(form.data, values)
