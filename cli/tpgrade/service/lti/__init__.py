"""LTI 1.3 (Core, Deep Linking, Assignment and Grade Services): the tool side of tpgrade.

A platform (Moodle, Canvas…) registered with ``tpgrade lti add-platform``
launches its users into the service: they are known by their ``sub`` and the
issuer, with no login link, and land on the day of the resource link.
Students' scores go back to the platform's line item through an outbox.
"""
